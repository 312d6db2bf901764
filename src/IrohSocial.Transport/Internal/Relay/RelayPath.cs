using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal.Tcp;

namespace IrohSocial.Transport.Internal.Relay;

/// <summary>
/// The relay path: stays registered on the endpoint's home relays (one <see cref="RelayListener"/> each) and dials
/// peers through a relay. Each relayed byte stream runs <see cref="TlsOverStream"/>, so a relayed connection proves
/// the peer's id, negotiates ALPN and multiplexes streams exactly like a TCP one; the relay forwards TLS records only.
/// </summary>
internal sealed class RelayPath : IEndpointPath
{
    /// <summary>What <see cref="ConnectionCore.RemoteAddress"/> reports for a relayed connection: no socket reaches the peer.</summary>
    public static readonly IPEndPoint NoDirectAddress = new(IPAddress.None, 0);

    private readonly EndpointContext _ctx;
    private readonly IReadOnlyList<RelayAddress> _homeRelays;
    private readonly RelayListener[] _listeners;
    private readonly ConnectionRegistry<MuxConnection> _connections = new();
    private readonly CancellationTokenSource _shutdown = new();

    public RelayPath(EndpointContext ctx, IReadOnlyList<RelayAddress> homeRelays)
    {
        _ctx = ctx;
        _homeRelays = homeRelays;
        _listeners = homeRelays
            .Select(relay => new RelayListener(NewClient(relay), AcceptRelayedAsync, ctx.Logger, ctx.Time)
            {
                MinBackoff = ctx.Options.RelayMinBackoff,
                MaxBackoff = ctx.Options.RelayMaxBackoff,
            })
            .ToArray();
        foreach (var listener in _listeners)
        {
            listener.Start();
        }
    }

    public ConnectionPath Kind => ConnectionPath.Relay;

    public string Name => $"relay {string.Join(", ", _homeRelays.Select(r => r.Url))}";

    public IPEndPoint? LocalEndPoint => null;

    /// <summary>Whether the endpoint is registered on at least one home relay right now.</summary>
    public bool IsRegistered => _listeners.Any(l => l.IsRegistered);

    /// <summary>Completes once the endpoint is registered on its first (preferred) home relay.</summary>
    public Task WaitRegisteredAsync(CancellationToken cancellationToken) =>
        _listeners.Length == 0 ? Task.CompletedTask : _listeners[0].WaitRegisteredAsync(cancellationToken);

    /// <summary>How many registrations the home relays accepted so far (tests watch renewals).</summary>
    public int Registrations => _listeners.Sum(l => l.Registrations);

    /// <summary>The network changed: each registration may be dead without knowing it, so every listener registers anew now.</summary>
    public void RenewRegistrations()
    {
        foreach (var listener in _listeners)
        {
            listener.RenewNow();
        }
    }

    /// <summary>The peer's relay when its address names one, else this endpoint's preferred home relay (peers often share one).</summary>
    public IReadOnlyList<DialCandidate> CandidatesFor(EndpointAddr addr)
    {
        if (RelayAddress.FromUri(addr.RelayUrl) is { } theirs)
        {
            return [new DialCandidate(null, theirs.ToUri())];
        }

        return _homeRelays.Count > 0 ? [new DialCandidate(null, _homeRelays[0].ToUri())] : [];
    }

    public async ValueTask<ConnectionCore> ConnectAsync(DialCandidate candidate, EndpointId expected, string alpn, CancellationToken cancellationToken)
    {
        var relay = RelayAddress.FromUri(candidate.RelayUrl) ?? throw new ArgumentException("The relay path dials relay addresses only.", nameof(candidate));
        using var timeout = new CancellationTokenSource(_ctx.Options.HandshakeTimeout, _ctx.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, _shutdown.Token);
        try
        {
            var stream = await NewClient(relay).DialAsync(expected, linked.Token).ConfigureAwait(false);
            var connection = await TlsOverStream.ConnectAsync(_ctx, stream, NoDirectAddress, ConnectionPath.Relay, expected, alpn, linked.Token).ConfigureAwait(false);
            _connections.Track(connection, _ctx.Telemetry);
            RelayLog.RelayedConnected(_ctx.Logger, expected.ToShortString(), relay.Url, alpn);
            return connection;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TransportException(TransportError.HandshakeTimeout, $"The relayed handshake via {relay.Url} did not finish within {_ctx.Options.HandshakeTimeout}.");
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TransportException(TransportError.EndpointClosed, "The endpoint was disposed.");
        }
    }

    public ValueTask<ConnectionCore> AcceptAsync(CancellationToken cancellationToken) => _connections.AcceptAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        _shutdown.Cancel();
        _connections.CompleteAccepting();
        await Task.WhenAll(_listeners.Select(l => l.DisposeAsync().AsTask())).ConfigureAwait(false);
        await _connections.DrainAndCloseAllAsync(c => c.CloseWithErrorAsync(TransportError.EndpointClosed, "endpoint closed")).ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private RelayClient NewClient(RelayAddress relay) => new(_ctx.Options.SecretKey, relay, _ctx.Options.HandshakeTimeout, _ctx.Time);

    // A dial announced by a home relay: the TLS server side runs over the accepted stream, with the same handshake
    // timeout, pending-handshake budget and connection limits as an inbound TCP socket.
    private async Task AcceptRelayedAsync(RelayedStream stream, CancellationToken cancellationToken)
    {
        var connection = await TlsOverStream.AcceptAsync(_ctx, stream, NoDirectAddress, ConnectionPath.Relay, _shutdown.Token).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        _connections.Track(connection, _ctx.Telemetry);
        RelayLog.RelayedAccepted(_ctx.Logger, connection.RemoteId.ToShortString(), connection.Alpn);
        if (!_connections.TryOffer(connection))
        {
            await connection.CloseWithErrorAsync(TransportError.EndpointClosed, "endpoint closed").ConfigureAwait(false);
        }
    }
}
