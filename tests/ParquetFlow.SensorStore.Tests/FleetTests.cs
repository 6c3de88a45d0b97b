using ParquetFlow.Bench;

namespace ParquetFlow.SensorStore.Tests;

/// <summary>
/// A fleet on a distributed broker: 50 gateways (separate stores and ids) upload at once to a three-node NATS cluster
/// (JetStream, MQTT 3.1.1 listeners, stream_replicas 3), each homed on one node with the other two as failover; one node
/// is SIGKILLed mid-run and brought back. A subscriber on another node must end with every record of every gateway, in
/// order per sensor, with the values stored, none missing (duplicates allowed and counted), and every gateway must have
/// erased everything (acknowledged means stored).
/// </summary>
public sealed class FleetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Fifty_gateways_deliver_every_record_in_order_through_a_nats_cluster_while_a_node_is_killed_and_restarted()
    {
        using var cluster = NatsCluster.Start();
        using var scratch = new TempDirectory();
        var options = new FleetOptions
        {
            Brokers = cluster.Mqtt,
            SubscriberBroker = cluster.Mqtt[2],
            Directory = scratch.Path,
            Gateways = 50,
            SensorsPerGateway = 4,
            RecordsPerSensor = 1_500,
            BatchRecords = 100,
        };
        bool killed = false;
        FleetResult result = await UploadFleet.RunAsync(options, (0.3, async token =>
        {
            cluster.Kill(1); // the home node of gateways 0, 3, 6, ...
            killed = true;
            await Task.Delay(TimeSpan.FromSeconds(3), token);
            cluster.Restart(1);
        }), TestContext.Current.CancellationToken);

        output.WriteLine($"{result.Received:N0} of {result.Expected:N0} records received, {result.Duplicates:N0} duplicates, {result.Acknowledged:N0} acknowledged, " +
            $"{result.PublishFailures} failed publishes, {result.Connects} connects, in {result.Elapsed.TotalSeconds:F1} s ({result.RecordsPerSecond:N0} records/s); " +
            $"node 1's gateways had {result.UnacknowledgedAtDisruption:N0} records unacknowledged when it was killed");
        Assert.True(killed, "the node was never killed: the run ended before 30 % was acknowledged");
        Assert.True(result.UnacknowledgedAtDisruption > 0, "the gateways homed on node 1 were done before it was killed");
        Assert.True(result.Failure is null, result.Failure);
        Assert.Equal(result.Expected, result.Received);
        Assert.Equal(0, result.Unacknowledged);

        // The 17 gateways homed on node 1 still had records to send when it died: they reconnected to deliver them.
        Assert.True(result.Connects > options.Gateways, $"{result.Connects} connects: no gateway reconnected after the kill");
    }
}
