using System.Security.Cryptography;
using System.Text;
using ParquetFlow.Durability;

namespace ParquetFlow.SensorStore;

/// <summary>
/// The gateway's id: part of every MQTT topic, of every idempotency key and of the MQTT client id. Gateways cloned from
/// one image must not share it (each connect would drop the other's session, and a receiver would discard one
/// gateway's records as duplicates of the other's), so unless it is given explicitly it is generated once, at random,
/// and kept in <c>gateway-id</c> beside the store's data.
/// </summary>
public static class GatewayIdentity
{
    /// <summary>The file in the store's directory that holds a generated id.</summary>
    public const string FileName = "gateway-id";

    /// <summary>Longest id: MQTT allows long client ids, but brokers and cloud hubs limit them (128 is a common bound).</summary>
    public const int MaxLength = 64;

    /// <summary>
    /// Whether <paramref name="id"/> can stand in a topic level and a client id: 1 to <see cref="MaxLength"/> of
    /// letters, digits, <c>.</c>, <c>_</c> and <c>-</c> (so never a topic separator <c>/</c> or wildcard <c>+</c> <c>#</c>).
    /// </summary>
    public static bool IsValid(string? id, out string? error)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength)
        {
            error = $"a gateway id has 1 to {MaxLength} characters (got {id?.Length ?? 0})";
            return false;
        }

        foreach (char c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                error = $"gateway id '{id}': '{c}' is not allowed (letters, digits, '.', '_' and '-' only: '/', '+' and '#' have meaning in MQTT topics)";
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>
    /// The id kept in <paramref name="storeDirectory"/>'s <see cref="FileName"/>, or a new random one (<c>gw-</c> and
    /// 16 hex digits) written there durably (temp, fsync, rename, directory fsync) when there is none. A file that holds
    /// no valid id throws <see cref="InvalidDataException"/>: it is never silently replaced, since a new id would make
    /// every record sent before look new to the receiver.
    /// </summary>
    public static string LoadOrCreate(string storeDirectory, Storage? storage = null)
    {
        storage ??= Storage.Default;
        string path = Path.Combine(storeDirectory, FileName);
        if (File.Exists(path))
        {
            string kept = File.ReadAllText(path, Encoding.UTF8).Trim();
            return IsValid(kept, out string? error)
                ? kept
                : throw new InvalidDataException($"{path} holds no valid gateway id ({error}); fix it or delete it to generate a new one");
        }

        string id = "gw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        storage.CreateDirectory(storeDirectory);
        storage.ReplaceAtomically(path, Encoding.UTF8.GetBytes(id + "\n"), overwrite: false);
        return id;
    }
}
