// Child process of the sensor store tests. `write <dir> <seed>`: writes, consumes and erases on a few
// sensors forever, and after every Flush prints what is durable, until it is killed.
using System.Globalization;
using ParquetFlow.SensorStore.TestProcess;

if (args.Length >= 3 && args[0] == "write")
{
    return WriteLoop.Run(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
}
if (args.Length >= 5 && args[0] == "gateway")
{
    return GatewayLoop.Run(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture),
        int.Parse(args[4], CultureInfo.InvariantCulture));
}
Console.Error.WriteLine("usage: write <dir> <seed> | gateway <dir> <port> <seed> <records per sensor>");
return 2;
