using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace IrohSocial.Hardening.Tests.Faults;

/// <summary>A plain loopback TCP server for proxy tests: hands every accepted socket to the test.</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<Socket> _accepted = Channel.CreateUnbounded<Socket>();
    private readonly List<Socket> _all = [];
    private readonly Task _loop;

    public LoopbackServer()
    {
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync().ConfigureAwait(false);
                    lock (_all)
                    {
                        _all.Add(socket);
                    }

                    _accepted.Writer.TryWrite(socket);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                _accepted.Writer.TryComplete();
            }
        });
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public async Task<Socket> AcceptAsync(CancellationToken cancellationToken = default) =>
        await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        lock (_all)
        {
            foreach (var socket in _all)
            {
                socket.Dispose();
            }
        }
    }
}
