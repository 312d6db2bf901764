using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.WebSockets;
using System.Threading.RateLimiting;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Relay.Internal;

/// <summary>
/// The relay's state: live registrations (one per id, newest wins), pending and spliced sessions, per-IP socket
/// counts, the per-id token bucket, and the <see cref="Meter"/>. One per relay; <see cref="HandleAsync"/> serves one
/// WebSocket request.
/// </summary>
internal sealed class RelayHub : IAsyncDisposable
{
    public const string MeterName = "IrohSocial.Relay";

    private readonly RelayServerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<EndpointId, Registration> _registrations = new();
    private readonly ConcurrentDictionary<string, PendingSession> _pending = new();
    private readonly Dictionary<IPAddress, int> _socketsPerIp = [];
    private readonly Dictionary<EndpointId, int> _sessionsPerId = [];
    private readonly object _gate = new();
    private readonly PartitionedRateLimiter<EndpointId> _rateLimiter;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _refusals;
    private int _activeSessions;

    public RelayHub(RelayServerOptions options, ILogger logger, IMeterFactory? meterFactory = null)
    {
        options.Validate();
        _options = options;
        _logger = logger;
        RelayId = options.Identity.PublicKey;
        _rateLimiter = PartitionedRateLimiter.Create<EndpointId, EndpointId>(id => RateLimitPartition.GetTokenBucketLimiter(id, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.RequestBurstPerId,
            TokensPerPeriod = options.RequestsPerSecondPerId,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            AutoReplenishment = true,
            QueueLimit = 0,
        }));
        // The host's factory owns a meter it made (DI); otherwise the hub owns its own.
        meterFactory = options.MeterFactory ?? meterFactory;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableUpDownCounter("irohsocial.relay.registered_ids", () => _registrations.Count, description: "Ids registered on the relay.");
        _meter.CreateObservableUpDownCounter("irohsocial.relay.sessions", () => Volatile.Read(ref _activeSessions), description: "Spliced relayed sessions.");
        _bytes = _meter.CreateCounter<long>("irohsocial.relay.bytes", "By", "Bytes forwarded through splices.");
        _refusals = _meter.CreateCounter<long>("irohsocial.relay.refusals", description: "Requests the relay refused, by reason.");
    }

    public EndpointId RelayId { get; }

    public int RegisteredCount => _registrations.Count;

    public int ActiveSessions => Volatile.Read(ref _activeSessions);

    /// <summary>This relay's meter (one per hub: several relays in one process report apart).</summary>
    internal Meter Meter => _meter;

    /// <summary>Tests tap every forwarded chunk (to check that only TLS records pass).</summary>
    internal Action<EndpointId, ReadOnlyMemory<byte>>? SpliceTap { get; set; }

    /// <summary>Serves one HTTP request to the relay path.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }

        var ip = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (!TryEnterIp(ip))
        {
            Refused(RelayRefusal.TooManySockets);
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return;
        }

        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = _options.KeepAliveInterval,
                KeepAliveTimeout = _options.KeepAliveTimeout,
            }).ConfigureAwait(false);
            using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _shutdown.Token);
            try
            {
                await ServeAsync(socket, aborted.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // a peer that vanished mid-frame ends its own socket, never the relay
                RelayServerLog.SocketEnded(_logger, ip, ex.Message);
            }
        }
        finally
        {
            LeaveIp(ip);
        }
    }

    private async Task ServeAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var challenge = RelayProtocol.NewChallenge();
        await socket.SendAsync(RelayProtocol.EncodeChallenge(RelayId, challenge), WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);

        // Cancelling a WebSocket receive aborts the socket, so the timeout races the read instead: the client
        // still gets the refusal before the close.
        var read = ReadControlAsync(socket, cancellationToken);
        var timeout = Task.Delay(_options.HandshakeTimeout, _options.TimeProvider, cancellationToken);
        if (await Task.WhenAny(read, timeout).ConfigureAwait(false) != read)
        {
            await RefuseAsync(socket, RelayRefusal.HandshakeTimeout, "no hello within the handshake timeout").ConfigureAwait(false);
            await ObserveAsync(read).ConfigureAwait(false);
            return;
        }

        var hello = await read.ConfigureAwait(false) ?? [];
        if (!RelayProtocol.TryDecodeHello(hello, RelayId, challenge, out var request, out var clientId, out var body, out var reason))
        {
            await RefuseAsync(socket, reason, reason == RelayRefusal.BadSignature ? "the hello's signature does not verify" : "malformed hello").ConfigureAwait(false);
            return;
        }

        if (_options.AllowPeer is { } allow && !allow(clientId))
        {
            await RefuseAsync(socket, RelayRefusal.NotAllowed, "this relay does not admit your id").ConfigureAwait(false);
            return;
        }

        if (request != RelayRequest.Accept)
        {
            using var lease = _rateLimiter.AttemptAcquire(clientId);
            if (!lease.IsAcquired)
            {
                await RefuseAsync(socket, RelayRefusal.RateLimited, "too many requests; slow down").ConfigureAwait(false);
                return;
            }
        }

        switch (request)
        {
            case RelayRequest.Register:
                await RegisterAsync(socket, clientId, cancellationToken).ConfigureAwait(false);
                break;
            case RelayRequest.Dial:
                await DialAsync(socket, clientId, new EndpointId(body), cancellationToken).ConfigureAwait(false);
                break;
            case RelayRequest.Accept:
                await AcceptAsync(socket, clientId, Convert.ToHexString(body), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task RegisterAsync(WebSocket socket, EndpointId id, CancellationToken cancellationToken)
    {
        var registration = new Registration(id, socket);
        if (_registrations.TryGetValue(id, out var older))
        {
            await older.EndAsync(RelayRefusal.Replaced, "a newer registration for this id replaced this one").ConfigureAwait(false);
        }

        _registrations[id] = registration;
        RelayServerLog.Registered(_logger, id.ToShortString());
        try
        {
            await registration.SendAsync(RelayProtocol.EncodeRegistered(), cancellationToken).ConfigureAwait(false);

            // The client sends nothing on a registration; reading keeps pings answered and notices the close.
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, registration.Ended);
            var frame = await ReadControlAsync(socket, linked.Token).ConfigureAwait(false);
            if (frame is not null)
            {
                await registration.EndAsync(RelayRefusal.ProtocolViolation, "a registration carries no client frames").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (registration.Ended.IsCancellationRequested)
        {
            // replaced, or told to come back at shutdown
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
        finally
        {
            _registrations.TryRemove(new KeyValuePair<EndpointId, Registration>(id, registration));
            RelayServerLog.Unregistered(_logger, id.ToShortString());
        }
    }

    private async Task DialAsync(WebSocket socket, EndpointId dialer, EndpointId target, CancellationToken cancellationToken)
    {
        if (!_registrations.TryGetValue(target, out var registration))
        {
            await RefuseAsync(socket, RelayRefusal.NotFound, "the id is not registered on this relay").ConfigureAwait(false);
            return;
        }

        if (!TryEnterSession(dialer, target))
        {
            await RefuseAsync(socket, RelayRefusal.TooManySessions, "too many relayed sessions for this id or the target").ConfigureAwait(false);
            return;
        }

        var token = RelayProtocol.NewSessionToken();
        var key = Convert.ToHexString(token);
        var pending = new PendingSession(dialer, target);
        _pending[key] = pending;
        try
        {
            try
            {
                await registration.SendAsync(RelayProtocol.EncodeIncoming(dialer, token), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                await RefuseAsync(socket, RelayRefusal.PeerUnreachable, "the target's registration just ended").ConfigureAwait(false);
                return;
            }

            WebSocket accepted;
            try
            {
                accepted = await pending.Accepted.Task.WaitAsync(_options.AcceptTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await RefuseAsync(socket, RelayRefusal.PeerUnreachable, "the target did not accept in time").ConfigureAwait(false);
                return;
            }

            try
            {
                await socket.SendAsync(RelayProtocol.EncodeConnected(target), WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
                await accepted.SendAsync(RelayProtocol.EncodeConnected(dialer), WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
                await SpliceAsync(socket, dialer, accepted, target, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                pending.Done.TrySetResult();
            }
        }
        finally
        {
            _pending.TryRemove(key, out _);
            LeaveSession(dialer, target);
        }
    }

    private async Task AcceptAsync(WebSocket socket, EndpointId acceptor, string key, CancellationToken cancellationToken)
    {
        // Only the target may spend the token; a wrong id leaves it for the target.
        if (!_pending.TryGetValue(key, out var pending) || pending.Target != acceptor
            || !_pending.TryRemove(new KeyValuePair<string, PendingSession>(key, pending)) || !pending.Accepted.TrySetResult(socket))
        {
            await RefuseAsync(socket, RelayRefusal.UnknownSession, "no pending dial with this token for your id").ConfigureAwait(false);
            return;
        }

        // The dialer's request runs the splice; this request keeps the accepted socket open until it ends.
        await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forwards messages both ways until both sides closed, one failed, or the session idled out.</summary>
    private async Task SpliceAsync(WebSocket a, EndpointId aId, WebSocket b, EndpointId bId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _activeSessions);
        RelayServerLog.Spliced(_logger, aId.ToShortString(), bId.ToShortString());
        using var idle = new CancellationTokenSource(_options.SessionIdleTimeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, cancellationToken);
        try
        {
            var forward = PumpAsync(a, aId, b, idle, linked.Token);
            var backward = PumpAsync(b, bId, a, idle, linked.Token);
            var first = await Task.WhenAny(forward, backward).ConfigureAwait(false);
            if (first.IsFaulted || first.IsCanceled || !await first.ConfigureAwait(false))
            {
                a.Abort();
                b.Abort();
            }

            try
            {
                await Task.WhenAll(forward, backward).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                a.Abort();
                b.Abort();
            }

            if (idle.IsCancellationRequested)
            {
                Refused(RelayRefusal.IdleTimeout);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _activeSessions);
            RelayServerLog.SessionEnded(_logger, aId.ToShortString(), bId.ToShortString());
        }
    }

    /// <summary>Copies one direction; true when the source closed cleanly (and the close was passed on).</summary>
    private async Task<bool> PumpAsync(WebSocket source, EndpointId sourceId, WebSocket destination, CancellationTokenSource idle, CancellationToken cancellationToken)
    {
        // Big enough for a client's whole message (RelayedStream cuts at 32 KiB): one receive and one send per message.
        var bufferSize = Math.Min(_options.MaxMessageSize, 32 * 1024);
        var messageSize = 0;
        while (true)
        {
            // Wait for the next frame with a zero-byte receive and rent the buffer only once data is there (as
            // SignalR does): an idle session holds no receive buffer, where each held two of 32 KiB before.
            var result = await source.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            var buffer = result.MessageType == WebSocketMessageType.Close ? null : ArrayPool<byte>.Shared.Rent(bufferSize);
            try
            {
                if (buffer is not null && !result.EndOfMessage) // EndOfMessage here: an empty message, passed on as such
                {
                    result = await source.ReceiveAsync(buffer.AsMemory(0, bufferSize), cancellationToken).ConfigureAwait(false);
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (destination.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await destination.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "peer closed", cancellationToken).ConfigureAwait(false);
                    }

                    return true;
                }

                var total = messageSize + result.Count;
                messageSize = result.EndOfMessage ? 0 : total;
                if (total > _options.MaxMessageSize)
                {
                    Refused(RelayRefusal.MessageTooLarge);
                    await source.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message larger than the relay's limit", CancellationToken.None).ConfigureAwait(false);
                    return false;
                }

                idle.CancelAfter(_options.SessionIdleTimeout);
                var chunk = buffer.AsMemory(0, result.Count);
                SpliceTap?.Invoke(sourceId, chunk);
                await destination.SendAsync(chunk, WebSocketMessageType.Binary, result.EndOfMessage, cancellationToken).ConfigureAwait(false);
                _bytes.Add(result.Count);
            }
            finally
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    /// <summary>Reads one whole control frame; null when the client closed. Oversized frames end with a violation.</summary>
    private static async Task<byte[]?> ReadControlAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[RelayProtocol.MaxControlFrame];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return buffer[..length];
            }

            if (length == buffer.Length)
            {
                return []; // not a valid frame of any kind: the caller refuses it as malformed
            }
        }
    }

    /// <summary>Waits briefly for a read that the client should end with its close; drops the socket otherwise.</summary>
    private static async Task ObserveAsync(Task read)
    {
        try
        {
            await read.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or IOException or ObjectDisposedException)
        {
        }
    }

    private async Task RefuseAsync(WebSocket socket, RelayRefusal reason, string text)
    {
        Refused(reason);
        await SendRefusalAndCloseAsync(socket, reason, text).ConfigureAwait(false);
    }

    internal static async Task SendRefusalAndCloseAsync(WebSocket socket, RelayRefusal reason, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.SendAsync(RelayProtocol.EncodeRefused(reason, text), WebSocketMessageType.Binary, true, timeout.Token).ConfigureAwait(false);
                var status = reason == RelayRefusal.ShuttingDown ? WebSocketCloseStatus.EndpointUnavailable : WebSocketCloseStatus.PolicyViolation;
                await socket.CloseOutputAsync(status, reason.ToString(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            socket.Abort();
        }
    }

    private void Refused(RelayRefusal reason)
    {
        _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
        RelayServerLog.Refused(_logger, reason);
    }

    private bool TryEnterIp(IPAddress ip)
    {
        lock (_gate)
        {
            var count = _socketsPerIp.GetValueOrDefault(ip);
            if (count >= _options.MaxSocketsPerIp)
            {
                return false;
            }

            _socketsPerIp[ip] = count + 1;
            return true;
        }
    }

    private void LeaveIp(IPAddress ip)
    {
        lock (_gate)
        {
            if (_socketsPerIp.TryGetValue(ip, out var count))
            {
                if (count <= 1)
                {
                    _socketsPerIp.Remove(ip);
                }
                else
                {
                    _socketsPerIp[ip] = count - 1;
                }
            }
        }
    }

    private bool TryEnterSession(EndpointId dialer, EndpointId target)
    {
        lock (_gate)
        {
            var dialerCount = _sessionsPerId.GetValueOrDefault(dialer);
            var targetCount = _sessionsPerId.GetValueOrDefault(target);
            if (dialerCount >= _options.MaxSessionsPerId || targetCount >= _options.MaxSessionsPerId)
            {
                return false;
            }

            _sessionsPerId[dialer] = dialerCount + 1;
            _sessionsPerId[target] = _sessionsPerId.GetValueOrDefault(target) + 1;
            return true;
        }
    }

    private void LeaveSession(EndpointId dialer, EndpointId target)
    {
        lock (_gate)
        {
            Decrement(dialer);
            Decrement(target);
        }

        void Decrement(EndpointId id)
        {
            if (_sessionsPerId.TryGetValue(id, out var count))
            {
                if (count <= 1)
                {
                    _sessionsPerId.Remove(id);
                }
                else
                {
                    _sessionsPerId[id] = count - 1;
                }
            }
        }
    }

    /// <summary>Graceful shutdown: every registration is told to come back later, then every socket ends.</summary>
    public async Task ShutdownAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        RelayServerLog.ShuttingDown(_logger, _registrations.Count, ActiveSessions);
        await Task.WhenAll(_registrations.Values.Select(r => r.EndAsync(RelayRefusal.ShuttingDown, "the relay is restarting; register again after a backoff"))).ConfigureAwait(false);

        // Give the told clients a moment to answer the close before every remaining socket is dropped.
        for (var i = 0; i < 20 && !_registrations.IsEmpty; i++)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        _shutdown.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        await ShutdownAsync().ConfigureAwait(false);
        _rateLimiter.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>A live registration; sends on its socket are serialized (a WebSocket allows one send at a time).</summary>
    private sealed class Registration(EndpointId id, WebSocket socket)
    {
        private readonly SemaphoreSlim _send = new(1, 1);
        private readonly CancellationTokenSource _ended = new();

        public EndpointId Id { get; } = id;

        public CancellationToken Ended => _ended.Token;

        public async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
        {
            await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(frame, WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _send.Release();
            }
        }

        /// <summary>Tells the client why its registration ends, closes it, and wakes the request that serves it.</summary>
        public async Task EndAsync(RelayRefusal reason, string text)
        {
            await _send.WaitAsync().ConfigureAwait(false);
            try
            {
                await SendRefusalAndCloseAsync(socket, reason, text).ConfigureAwait(false);
            }
            finally
            {
                _send.Release();

                // The client answers the close and the serving request ends on its own; a client that does not is dropped.
                _ended.CancelAfter(TimeSpan.FromSeconds(5));
            }
        }
    }

    private sealed class PendingSession(EndpointId dialer, EndpointId target)
    {
        public EndpointId Dialer { get; } = dialer;

        public EndpointId Target { get; } = target;

        public TaskCompletionSource<WebSocket> Accepted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>Relay log messages (EventIds 9500-9599). Ids are shortened; no payload is ever logged.</summary>
internal static partial class RelayServerLog
{
    [LoggerMessage(9500, LogLevel.Debug, "Registered {Id}")]
    public static partial void Registered(ILogger logger, string id);

    [LoggerMessage(9501, LogLevel.Debug, "Unregistered {Id}")]
    public static partial void Unregistered(ILogger logger, string id);

    [LoggerMessage(9502, LogLevel.Debug, "Spliced {Dialer} with {Target}")]
    public static partial void Spliced(ILogger logger, string dialer, string target);

    [LoggerMessage(9503, LogLevel.Debug, "Session {Dialer} - {Target} ended")]
    public static partial void SessionEnded(ILogger logger, string dialer, string target);

    [LoggerMessage(9504, LogLevel.Information, "Refused: {Reason}")]
    public static partial void Refused(ILogger logger, RelayRefusal reason);

    [LoggerMessage(9505, LogLevel.Debug, "Socket from {Address} ended: {Reason}")]
    public static partial void SocketEnded(ILogger logger, IPAddress address, string reason);

    [LoggerMessage(9506, LogLevel.Information, "Shutting down: telling {Registrations} registered ids to come back, ending {Sessions} sessions")]
    public static partial void ShuttingDown(ILogger logger, int registrations, int sessions);

    [LoggerMessage(9507, LogLevel.Information, "Relay {RelayId} listening at {Address}")]
    public static partial void Listening(ILogger logger, string relayId, string address);
}
