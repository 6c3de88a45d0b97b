using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ParquetFlow.Collector.Server;

/// <summary>
/// A minimal HTTP endpoint that answers every GET with the collector's counters in the Prometheus text format
/// (version 0.0.4). One request per connection; no other HTTP features.
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<string> _render;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MetricsEndpoint(IPAddress address, int port, Func<string> render)
    {
        _render = render;
        _listener = new TcpListener(address, port);
        _listener.Start();
        _loop = ServeAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = AnswerAsync(client);
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                byte[] request = new byte[4096];
                int read = 0;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                while (read < request.Length && !Encoding.ASCII.GetString(request, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    int n = await stream.ReadAsync(request.AsMemory(read), timeout.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    read += n;
                }

                byte[] body = Encoding.UTF8.GetBytes(_render());
                string head = string.Create(CultureInfo.InvariantCulture, $"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token).ConfigureAwait(false);
                await stream.WriteAsync(body, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A scraper that goes away mid-request costs nothing but its own connection.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
