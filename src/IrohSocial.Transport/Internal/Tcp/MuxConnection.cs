using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using IrohSocial.Crypto;
using Microsoft.Extensions.Logging;
using Nerdbank.Streams;
using MxChannel = Nerdbank.Streams.MultiplexingStream.Channel;

namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>
/// A TLS connection over any byte stream (a TCP socket, or a relay's forwarded stream): Nerdbank.Streams
/// <see cref="MultiplexingStream"/> (protocol v3) over the SslStream. Seeded
/// channel 0 carries control messages (stream credit, ping, reset, close); every other channel is one stream whose
/// content is framed by <see cref="MuxStream"/>. See docs/protocol.md section 4.5.
/// </summary>
internal sealed class MuxConnection : ConnectionCore
{
    // How long a closing side waits for the peer to hang up after CLOSE; generous because CLOSE first has to get
    // through the multiplexer on a possibly busy machine, and a responsive peer hangs up at once anyway.
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly EndpointContext _ctx;
    private readonly SslStream _ssl;
    private readonly ActivityTrackingStream _transport;
    private readonly MultiplexingStream _mux;
    private readonly Action? _onClosed;
    private readonly Channel<Task<MuxStream?>> _incoming = Channel.CreateUnbounded<Task<MuxStream?>>();
    private readonly SemaphoreSlim _acceptLock = new(1, 1);
    private readonly ConcurrentDictionary<(bool Local, ulong Id), MuxStream> _streams = new();
    private readonly SemaphoreSlim _controlWriteLock = new(1, 1);
    private readonly object _gate = new();
    private readonly TaskCompletionSource _settings = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _peerSentClose = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly List<ulong> _offersBeforeStart = [];
    private MxChannel? _control;
    private FrameLimitingStream? _frameLimiter;
    private bool _started;
    private TaskCompletionSource _credit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _peerMaxStreams;
    private long _opened;
    private long _localMaxStreams;
    private long _peerOpened;
    private long _pongs;
    private CloseInfo? _closeInfo;
    private int _teardownStarted;
    private ITimer? _idleTimer;
    private ITimer? _keepAliveTimer;

    private MuxConnection(EndpointContext ctx, SslStream ssl, ActivityTrackingStream transport, MultiplexingStream mux, EndpointId remoteId, string alpn, IPEndPoint remoteAddress, ConnectionPath path, bool isClient, Action? onClosed)
    {
        _ctx = ctx;
        _ssl = ssl;
        _transport = transport;
        _mux = mux;
        RemoteId = remoteId;
        Alpn = alpn;
        RemoteAddress = remoteAddress;
        Path = path;
        IsClient = isClient;
        _onClosed = onClosed;
        _localMaxStreams = ctx.Options.MaxStreamsPerConnection;
    }

    public override EndpointId RemoteId { get; }

    public override string Alpn { get; }

    public override IPEndPoint RemoteAddress { get; }

    public override bool IsClient { get; }

    public override TransportProvider Provider => TransportProvider.TcpTls;

    public override ConnectionPath Path { get; }

    public override Task Closed => _closed.Task;

    /// <summary>Pongs received (keep-alive round trips); for tests.</summary>
    internal long PongsReceived => Interlocked.Read(ref _pongs);

    internal CloseInfo? CloseInfo => Volatile.Read(ref _closeInfo);

    public static async Task<MuxConnection> CreateAsync(EndpointContext ctx, SslStream ssl, EndpointId remoteId, string alpn, IPEndPoint remoteAddress, ConnectionPath path, bool isClient, Action? onClosed, CancellationToken cancellationToken, bool grantStreams = true)
    {
        var limiter = new FrameLimitingStream(ssl, FrameLimitingStream.DefaultMaxFrameBytes);
        var transport = new ActivityTrackingStream(limiter, ctx.Time);
        var window = ctx.Options.StreamReceiveWindow;
        var options = new MultiplexingStream.Options
        {
            ProtocolMajorVersion = 3,
            DefaultChannelReceivingWindowSize = window,
            StartSuspended = true,
            FaultOpenChannelsOnStreamDisposal = true,
        };
        options.MaxChannelReceivingWindowSize = window; // fixed window: no growth beyond what we budgeted
        options.SeededChannels.Add(new MultiplexingStream.ChannelOptions());
        var mux = await MultiplexingStream.CreateAsync(transport, options, cancellationToken).ConfigureAwait(false);
        var connection = new MuxConnection(ctx, ssl, transport, mux, remoteId, alpn, remoteAddress, path, isClient, onClosed) { _frameLimiter = limiter };
        mux.ChannelOffered += connection.OnChannelOffered;
        mux.StartListening();
        try
        {
            connection._control = mux.AcceptChannel(0);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // The peer's first bytes already ended or broke the multiplexing stream (found by fuzzing).
            await mux.DisposeAsync().ConfigureAwait(false);
            throw new TransportException(TransportError.HandshakeFailed, "The peer broke the connection right after the TLS handshake.", innerException: ex);
        }

        connection.Start(grantStreams);
        return connection;
    }

    private void Start(bool grantStreams)
    {
        // Offers that arrived between StartListening and now (the control channel did not exist yet) are handled here.
        ulong[] early;
        lock (_gate)
        {
            _started = true;
            early = [.. _offersBeforeStart];
            _offersBeforeStart.Clear();
        }

        foreach (var id in early)
        {
            HandleOffer(id);
        }

        _ = RunControlLoopAsync();
        _ = WatchMultiplexerAsync();
        if (!grantStreams)
        {
            return; // a refused connection only gets CLOSE: the dialer must not see it as accepted
        }

        SendControl(new ControlMessage(ControlType.MaxStreams, (ulong)_ctx.Options.MaxStreamsPerConnection));
        if (_ctx.Options.IdleTimeout > TimeSpan.Zero)
        {
            _idleTimer = _ctx.Time.CreateTimer(_ => CheckIdle(), null, _ctx.Options.IdleTimeout, Timeout.InfiniteTimeSpan);
        }

        if (_ctx.Options.KeepAliveInterval > TimeSpan.Zero)
        {
            var interval = _ctx.Options.KeepAliveInterval;
            _keepAliveTimer = _ctx.Time.CreateTimer(_ => SendControl(new ControlMessage(ControlType.Ping, (ulong)_ctx.Time.GetTimestamp())), null, interval, interval);
        }
    }

    /// <summary>Waits for the peer's first MAX_STREAMS (it accepted us) or its CLOSE (it refused us).</summary>
    public async Task WaitForSettingsAsync(CancellationToken cancellationToken)
    {
        await _settings.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<StreamCore> OpenStreamAsync(bool bidirectional, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_closeInfo is { } info)
                {
                    throw info.ToException();
                }

                if (_opened < _peerMaxStreams)
                {
                    _opened++;
                    break;
                }

                wait = _credit.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        MxChannel channel;
        try
        {
            channel = _mux.CreateChannel();
        }
        catch (ObjectDisposedException)
        {
            throw await TerminationErrorAsync().ConfigureAwait(false) ?? new TransportException(TransportError.ConnectionLost, "The connection is gone.");
        }

        var stream = new MuxStream(this, channel, bidirectional, local: true);
        _streams[(true, channel.QualifiedId.Id)] = stream;
        _ = channel.Completion.ContinueWith((_, s) => ((MuxConnection)s!)._streams.TryRemove((true, channel.QualifiedId.Id), out MuxStream? _), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await stream.StartAsOpenerAsync(cancellationToken).ConfigureAwait(false);
        return stream;
    }

    public override async ValueTask<StreamCore> AcceptStreamAsync(CancellationToken cancellationToken)
    {
        // Streams are handed out in the order the peer opened them; the head waits for its kind byte.
        await _acceptLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (await _incoming.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!_incoming.Reader.TryPeek(out var head))
                {
                    continue;
                }

                var stream = await head.WaitAsync(cancellationToken).ConfigureAwait(false);
                _incoming.Reader.TryRead(out _);
                if (stream is not null)
                {
                    return stream;
                }
            }
        }
        catch (ChannelClosedException)
        {
        }
        finally
        {
            _acceptLock.Release();
        }

        await _closed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        throw CloseInfo?.ToException() ?? new TransportException(TransportError.ConnectionClosed, "The connection is closed.");
    }

    public override async ValueTask CloseAsync(long errorCode, string reason, CancellationToken cancellationToken)
    {
        await TeardownAsync(new CloseInfo(TransportError.ConnectionClosed, errorCode, reason ?? "", ByPeer: false), sendClose: true)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses or ends the connection for a transport reason, telling the peer why.</summary>
    public Task CloseWithErrorAsync(TransportError error, string reason) =>
        TeardownAsync(new CloseInfo(error, null, reason, ByPeer: false), sendClose: true);

    public override async ValueTask DisposeAsync()
    {
        await TeardownAsync(new CloseInfo(TransportError.ConnectionClosed, 0, "disposed", ByPeer: false), sendClose: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Called by a stream whose channel ended without a FIN: if the connection is going away, waits until it is gone
    /// and returns the reason; otherwise null.
    /// </summary>
    internal async ValueTask<TransportException?> TerminationErrorAsync()
    {
        if (Volatile.Read(ref _closeInfo) is null && !_transport.Ended && !_mux.Completion.IsCompleted)
        {
            return null;
        }

        await _closed.Task.ConfigureAwait(false);
        return CloseInfo?.ToException();
    }

    internal void SendReset(bool openedByUs, ulong channelId, long errorCode) =>
        SendControl(new ControlMessage(ControlType.ResetStream, (ulong)errorCode, channelId, openedByUs));

    internal void ProtocolViolation(string reason)
    {
        Log.ProtocolViolation(_ctx.Logger, RemoteId.ToShortString(), reason);
        _ = TeardownAsync(new CloseInfo(TransportError.ProtocolViolation, null, reason, ByPeer: false), sendClose: true);
    }

    private void OnChannelOffered(object? sender, MultiplexingStream.ChannelOfferEventArgs e)
    {
        lock (_gate)
        {
            if (!_started)
            {
                _offersBeforeStart.Add(e.QualifiedId.Id);
                return;
            }
        }

        HandleOffer(e.QualifiedId.Id);
    }

    private void HandleOffer(ulong channelId)
    {
        bool overLimit;
        lock (_gate)
        {
            _peerOpened++;
            overLimit = _peerOpened > _localMaxStreams;
        }

        if (overLimit)
        {
            Log.ProtocolViolation(_ctx.Logger, RemoteId.ToShortString(), "stream limit exceeded");
            _ = TeardownAsync(new CloseInfo(TransportError.StreamLimitExceeded, null, "stream limit exceeded", ByPeer: false), sendClose: true);
            return;
        }

        MxChannel channel;
        try
        {
            channel = _mux.AcceptChannel(channelId);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            ReturnCredit();
            return;
        }

        _ = channel.Completion.ContinueWith(
            (_, s) =>
            {
                var self = (MuxConnection)s!;
                self._streams.TryRemove((false, channel.QualifiedId.Id), out MuxStream? _);
                self.ReturnCredit();
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        _incoming.Writer.TryWrite(ReceiveStreamAsync(channel));
    }

    private async Task<MuxStream?> ReceiveStreamAsync(MxChannel channel)
    {
        try
        {
            var bidirectional = await MuxStream.ReadKindAsync(channel.Input, _lifetime.Token).ConfigureAwait(false);
            if (bidirectional is null)
            {
                ProtocolViolation("bad stream kind byte");
                return null;
            }

            var stream = new MuxStream(this, channel, bidirectional.Value, local: false);
            _streams[(false, channel.QualifiedId.Id)] = stream;
            stream.StartAsAcceptor();
            return stream;
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or ObjectDisposedException or IOException)
        {
            channel.Dispose();
            return null;
        }
    }

    private void ReturnCredit()
    {
        long granted;
        lock (_gate)
        {
            if (_closeInfo is not null)
            {
                return;
            }

            granted = ++_localMaxStreams;
        }

        SendControl(new ControlMessage(ControlType.MaxStreams, (ulong)granted));
    }

    private async Task RunControlLoopAsync()
    {
        var reader = _control!.Input;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (ControlMessage.TryParse(ref buffer, out var message))
                    {
                        Handle(message);
                    }
                }
                catch (FormatException ex)
                {
                    reader.AdvanceTo(buffer.End);
                    ProtocolViolation(ex.Message);
                    return;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // the channel went away with the transport
        }

        _ = TeardownAsync(new CloseInfo(TransportError.ConnectionLost, null, "the transport ended", ByPeer: true), sendClose: false);
    }

    private async Task WatchMultiplexerAsync()
    {
        try
        {
            await _mux.Completion.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // faults end the connection all the same
        }

        // Let the control loop drain what arrived before the end (a CLOSE explains the end better).
        try
        {
            if (_control is { } control)
            {
                await control.Completion.WaitAsync(CloseTimeout, _ctx.Time).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
        }

        _ = TeardownAsync(new CloseInfo(TransportError.ConnectionLost, null, "the transport ended", ByPeer: true), sendClose: false);
    }

    private void Handle(ControlMessage message)
    {
        switch (message.Type)
        {
            case ControlType.MaxStreams:
                TaskCompletionSource? wake = null;
                lock (_gate)
                {
                    if ((long)message.Value > _peerMaxStreams)
                    {
                        _peerMaxStreams = (long)Math.Min(message.Value, long.MaxValue);
                        wake = _credit;
                        _credit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }

                wake?.TrySetResult();
                _settings.TrySetResult();
                break;
            case ControlType.Ping:
                SendControl(message with { Type = ControlType.Pong });
                break;
            case ControlType.Pong:
                Interlocked.Increment(ref _pongs);
                break;
            case ControlType.ResetStream:
                if (_streams.TryGetValue((!message.OpenedBySender, message.ChannelId), out var stream))
                {
                    stream.OnPeerReset((long)Math.Min(message.Value, CloseCodes.MaxQuicCode));
                }

                break;
            case ControlType.Close:
                var code = (long)Math.Min(message.Value, CloseCodes.MaxQuicCode);
                var (error, appCode) = CloseCodes.Interpret(code);
                _peerSentClose.TrySetResult();
                _ = TeardownAsync(new CloseInfo(error, appCode, message.Reason, ByPeer: true), sendClose: false);
                break;
        }
    }

    private void CheckIdle()
    {
        if (_closeInfo is not null)
        {
            return;
        }

        var idle = _ctx.Options.IdleTimeout;
        var since = _transport.SinceLastReceive;
        if (since >= idle)
        {
            _ = TeardownAsync(new CloseInfo(TransportError.IdleTimeout, null, $"no traffic for {idle}", ByPeer: false), sendClose: true);
        }
        else
        {
            try
            {
                _idleTimer?.Change(idle - since, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void SendControl(ControlMessage message) => _ = SendControlAsync(message);

    private async Task SendControlAsync(ControlMessage message)
    {
        if (_control is not { } control)
        {
            return; // not started: nothing can be sent yet (a refusal before start just closes)
        }

        var bytes = message.Encode();
        try
        {
            await _controlWriteLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
            try
            {
                await control.Output.WriteAsync(bytes, _lifetime.Token).ConfigureAwait(false);
            }
            finally
            {
                _controlWriteLock.Release();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or ObjectDisposedException or IOException)
        {
            // the connection is ending; nothing to tell the peer any more
        }
    }

    private async Task TeardownAsync(CloseInfo info, bool sendClose)
    {
        TaskCompletionSource wake;
        string? refusedFrame = null;
        lock (_gate)
        {
            // Whichever loop notices the broken transport first, a frame the limiter refused is the reason.
            if (_closeInfo is null && info.Error == TransportError.ConnectionLost && _frameLimiter?.Violation is { } violation)
            {
                info = new CloseInfo(TransportError.ProtocolViolation, null, violation, ByPeer: false);
                refusedFrame = violation;
            }

            _closeInfo ??= info;
            info = _closeInfo;
            wake = _credit;
        }

        if (Interlocked.Exchange(ref _teardownStarted, 1) == 1)
        {
            await _closed.Task.ConfigureAwait(false);
            return;
        }

        if (refusedFrame is not null)
        {
            Log.ProtocolViolation(_ctx.Logger, RemoteId.ToShortString(), refusedFrame);
        }

        var exception = info.ToException();
        _settings.TrySetException(exception);
        _incoming.Writer.TryComplete(exception);
        wake.TrySetResult();
        _idleTimer?.Dispose();
        _keepAliveTimer?.Dispose();

        if (sendClose && !_transport.Ended)
        {
            try
            {
                await SendControlAsync(new ControlMessage(ControlType.Close, (ulong)info.WireCode, Reason: info.Reason)).ConfigureAwait(false);

                // The peer closes the transport when it has read CLOSE; waiting for that keeps CLOSE from being cut off.
                // When both sides close at once (a call's end), each waits for the other to hang up: the peer's own
                // CLOSE means it is closing anyway, so it ends the wait instead of the timeout.
                await Task.WhenAny(_mux.Completion, _peerSentClose.Task).WaitAsync(CloseTimeout, _ctx.Time).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // timeout or transport failure: close anyway
            }
        }

        _lifetime.Cancel();
        try
        {
            await _mux.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
        }

        try
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
        }

        Log.ConnectionClosed(_ctx.Logger, RemoteId.ToShortString(), info.Error, info.ApplicationCode, info.Reason);
        _onClosed?.Invoke();
        _closed.TrySetResult();
    }
}
