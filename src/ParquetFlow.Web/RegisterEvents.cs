using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ParquetFlow.Collector.Framing;
using ParquetFlow.Collector.Images;

namespace ParquetFlow.Web;

/// <summary>
/// The register page's live feed, one per open page: a <c>snapshot</c> event with the whole image (base64 of its
/// little-endian registers), then, a few times a second, a <c>changes</c> event listing the registers that changed
/// since the last one as <c>[offset, value, offset, value, …]</c>. The diffing runs here, against this page's own copy
/// of the image, so a browser never polls and the collector does no work for pages nobody has open.
/// </summary>
internal static class RegisterEvents
{
    /// <summary>How often an open page's image is compared with the live one.</summary>
    internal static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    private static readonly ushort[] s_allOffsets = CreateOffsets();

    /// <summary>Copies the whole image of <paramref name="source"/> into <paramref name="values"/>; false when it has none.</summary>
    public static bool Read(RegisterImages images, SourceKey source, ushort[] values) => images.Query(source, s_allOffsets, values);

    public static async Task RunAsync(HttpContext context, RegisterImages images, string type, int id, CancellationToken stopping)
    {
        if (!WebView.TryParseSource(type, id, out SourceKey source) || !images.Sources.Contains(source))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync($"no image for {type}:{id}").ConfigureAwait(false);
            return;
        }

        using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        CancellationToken token = either.Token;
        HttpResponse response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        ushort[] shown = new ushort[RackPacket.MaxRegisters];
        ushort[] live = new ushort[RackPacket.MaxRegisters];
        Read(images, source, shown);
        byte[] bytes = new byte[shown.Length * sizeof(ushort)];
        for (int i = 0; i < shown.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), shown[i]);
        }

        var changes = new List<int>();
        try
        {
            await response.WriteAsync("event: snapshot\ndata: " + Convert.ToBase64String(bytes) + "\n\n", token).ConfigureAwait(false);
            await response.Body.FlushAsync(token).ConfigureAwait(false);
            using var timer = new PeriodicTimer(Period);
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                Read(images, source, live);
                changes.Clear();
                for (int i = 0; i < live.Length; i++)
                {
                    if (live[i] != shown[i])
                    {
                        changes.Add(i);
                        changes.Add(live[i]);
                    }
                }

                (shown, live) = (live, shown);
                // A comment line every tick with nothing to say keeps proxies from timing the stream out and lets a
                // closed page be noticed at the next write.
                string message = changes.Count == 0
                    ? ":\n\n"
                    : "event: changes\ndata: " + JsonSerializer.Serialize(changes.ToArray(), WebJsonContext.Default.Int32Array) + "\n\n";
                await response.WriteAsync(message, Encoding.UTF8, token).ConfigureAwait(false);
                await response.Body.FlushAsync(token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The page closed or the collector is stopping.
        }
        catch (IOException)
        {
            // The connection went away mid-write.
        }
    }

    private static ushort[] CreateOffsets()
    {
        ushort[] offsets = new ushort[RackPacket.MaxRegisters];
        for (int i = 0; i < offsets.Length; i++)
        {
            offsets[i] = (ushort)i;
        }

        return offsets;
    }
}
