using System.Net;
using System.Net.Sockets;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>
/// The TCP path: a TCP listener and TCP dials; TLS and the multiplexer run over each socket through
/// <see cref="TlsOverStream"/>, exactly as over any other byte stream.
/// </summary>
internal sealed class TcpPath : IEndpointPath
{
    private readonly EndpointContext _ctx;
    private readonly Socket _listener;
    private readonly ConnectionRegistry<MuxConnection> _connections = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _acceptLoop;

    private TcpPath(EndpointContext ctx, Socket listener)
    {
        _ctx = ctx;
        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public ConnectionPath Kind => ConnectionPath.Tcp;

    public string Name => $"tcp {LocalEndPoint}";

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Listens on <paramref name="bind"/>.</summary>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public static TcpPath Bind(EndpointContext ctx, IPEndPoint bind)
    {
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (bind.AddressFamily == AddressFamily.InterNetworkV6 && bind.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(bind);
            socket.Listen(512);
            return new TcpPath(ctx, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public IReadOnlyList<DialCandidate> CandidatesFor(EndpointAddr addr) => DialCandidate.Direct(addr);

    public async ValueTask<ConnectionCore> ConnectAsync(DialCandidate candidate, EndpointId expected, string alpn, CancellationToken cancellationToken)
    {
        var remote = candidate.DirectAddress ?? throw new ArgumentException("The TCP path dials direct addresses only.", nameof(candidate));
        using var timeout = new CancellationTokenSource(_ctx.Options.HandshakeTimeout, _ctx.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, _shutdown.Token);
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var socketOwned = false;
        try
        {
            try
            {
                await socket.ConnectAsync(remote, linked.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new TransportException(TransportError.ConnectionRefused, $"Could not connect to {remote}: {ex.SocketErrorCode}.", innerException: ex);
            }

            socketOwned = true;
            var connection = await TlsOverStream.ConnectAsync(_ctx, new NetworkStream(socket, ownsSocket: true), remote, ConnectionPath.Tcp, expected, alpn, linked.Token).ConfigureAwait(false);
            _connections.Track(connection, _ctx.Telemetry);
            Log.Connected(_ctx.Logger, connection.RemoteId.ToShortString(), remote, alpn);
            return connection;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TransportException(TransportError.HandshakeTimeout, $"The handshake with {remote} did not finish within {_ctx.Options.HandshakeTimeout}.");
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TransportException(TransportError.EndpointClosed, "The endpoint was disposed.");
        }
        finally
        {
            if (!socketOwned)
            {
                socket.Dispose();
            }
        }
    }

    public ValueTask<ConnectionCore> AcceptAsync(CancellationToken cancellationToken) =>
        _connections.AcceptAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        _shutdown.Cancel();
        _connections.CompleteAccepting();
        _listener.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
        }

        await _connections.DrainAndCloseAllAsync(c => c.CloseWithErrorAsync(TransportError.EndpointClosed, "endpoint closed")).ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // one failed accept (e.g. reset before accept) must not stop the listener
            }

            socket.NoDelay = true;
            _ = HandleInboundAsync(socket);
        }
    }

    private async Task HandleInboundAsync(Socket socket)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        var connection = await TlsOverStream.AcceptAsync(_ctx, new NetworkStream(socket, ownsSocket: true), remote, ConnectionPath.Tcp, _shutdown.Token).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        _connections.Track(connection, _ctx.Telemetry);
        Log.Accepted(_ctx.Logger, connection.RemoteId.ToShortString(), remote, connection.Alpn);
        if (!_connections.TryOffer(connection))
        {
            await connection.CloseWithErrorAsync(TransportError.EndpointClosed, "endpoint closed").ConfigureAwait(false);
        }
    }
}
