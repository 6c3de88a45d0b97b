using ParquetFlow.SensorStore;

namespace ParquetFlow.SensorStore.Tests;

public sealed class GatewayIdentityTests
{
    [Fact]
    public void Without_an_id_the_uploader_generates_one_once_and_keeps_it_beside_the_store()
    {
        using var dir = new TempDirectory();
        using var other = new TempDirectory();
        string first;
        using (SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(dir.Path)))
        using (var uploader = new MqttUploader(store, new UploaderOptions()))
        {
            first = uploader.GatewayId;
        }

        Assert.Matches("^gw-[0-9a-f]{16}$", first);
        Assert.Equal(first + "\n", File.ReadAllText(Path.Combine(dir.Path, GatewayIdentity.FileName)));
        using (SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(dir.Path)))
        using (var again = new MqttUploader(store, new UploaderOptions()))
        {
            Assert.Equal(first, again.GatewayId); // a restart keeps it: records sent before keep their keys
        }

        using (SensorStoreSystem clone = SensorStoreSystem.Open(SensorStoreOptions.Linux(other.Path)))
        using (var cloned = new MqttUploader(clone, new UploaderOptions()))
        {
            Assert.NotEqual(first, cloned.GatewayId); // gateways set up from one image get ids of their own
        }
    }

    [Theory]
    [InlineData("rack/7")]
    [InlineData("site+1")]
    [InlineData("#")]
    [InlineData("")]
    [InlineData("with space")]
    [InlineData("ü")]
    public void An_id_that_cannot_stand_in_a_topic_is_refused(string id)
    {
        Assert.False(GatewayIdentity.IsValid(id, out string? error));
        Assert.NotNull(error);
        using var dir = new TempDirectory();
        using SensorStoreSystem store = SensorStoreSystem.Open(SensorStoreOptions.Linux(dir.Path));
        Assert.Throws<ArgumentException>(() => new MqttUploader(store, new UploaderOptions { GatewayId = id }));
        Assert.True(GatewayIdentity.IsValid(new string('a', GatewayIdentity.MaxLength), out _));
        Assert.False(GatewayIdentity.IsValid(new string('a', GatewayIdentity.MaxLength + 1), out _));
    }

    [Fact]
    public void A_damaged_id_file_is_refused_not_replaced_and_a_RAM_only_store_needs_an_id()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, GatewayIdentity.FileName);
        File.WriteAllText(path, "gw/broken\n");
        var e = Assert.Throws<InvalidDataException>(() => GatewayIdentity.LoadOrCreate(dir.Path));
        Assert.Contains("holds no valid gateway id", e.Message);
        Assert.Equal("gw/broken\n", File.ReadAllText(path));

        using SensorStoreSystem ram = SensorStoreSystem.Open(SensorStoreOptions.Stm32());
        Assert.Throws<ArgumentException>(() => new MqttUploader(ram, new UploaderOptions()));
        using var explicitId = new MqttUploader(ram, new UploaderOptions { GatewayId = "node-17" });
        Assert.Equal("node-17", explicitId.GatewayId);
    }
}
