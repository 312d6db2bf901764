using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using IrohSocial.Crypto;
using IrohSocial.Media.Calls.Internal;
using IrohSocial.Media.Stats;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Media.Calls;

/// <summary>
/// Places, answers and ends calls: signaling as encrypted DM controls, media over <c>iroh-social/call/1</c>,
/// the ringing → active → ended state machine, restoring dropped connections, and the call history.
/// One call at a time: a second incoming call while busy is rejected with "busy"; a new offer from the peer that is
/// still ringing us replaces that ring (the caller canceled it and called again).
/// </summary>
public sealed partial class CallManager : IAsyncDisposable
{
    /// <summary>The audio codec named in offers (Opus, 48 kHz mono, 20 ms frames).</summary>
    public const string AudioCodec = "opus48k";

    private readonly DmClient _dm;
    private readonly Endpoint _endpoint;
    private readonly CallOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, Call> _calls = new();
    private readonly ConcurrentDictionary<Channel<CallEvent>, byte> _subscribers = new();
    private readonly ConcurrentDictionary<Guid, ITimer> _ringTimers = new();
    private readonly KeyedSerialQueue<EndpointId> _signalQueue = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly MediaTelemetry _telemetry;
    private long _refusedStreams;
    private int _disposed;

    internal CallManager(DmClient dm, Endpoint endpoint, CallOptions options, TimeProvider time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory = null)
    {
        options.Validate();
        _dm = dm;
        _endpoint = endpoint;
        _options = options;
        _time = time;
        _logger = loggerFactory?.CreateLogger<CallManager>() ?? NullLogger<CallManager>.Instance;
        ProtocolHandler = new CallProtocolHandler(this);
        _telemetry = new MediaTelemetry(meterFactory, () => CurrentCall);
        // One call manager per DM client: the kind has one handler.
        _dm.RegisterControl(CallSignal.Control, OnSignalReceived);
    }

    /// <summary>The <c>iroh-social/call/1</c> handler (registered by the node's router).</summary>
    public IProtocolHandler ProtocolHandler { get; }

    /// <summary>Adds <c>iroh-social/call/1</c> to a router the app owns (call before the router starts).</summary>
    public Router Register(Router router)
    {
        ArgumentNullException.ThrowIfNull(router);
        return router.Accept(Alpns.Calls, ProtocolHandler);
    }

    /// <summary>Incoming media streams (or connections) refused: unknown or unanswered call, wrong peer, bad preamble.</summary>
    public long RefusedStreams => Interlocked.Read(ref _refusedStreams);

    /// <summary>The call that is ringing or active, if any.</summary>
    public Call? CurrentCall => _calls.Values.FirstOrDefault(c => c.State != CallState.Ended);

    /// <summary>A peer is calling.</summary>
    public event EventHandler<IncomingCallEvent>? IncomingCall;

    /// <summary>A call was answered (on both sides).</summary>
    public event EventHandler<CallAnsweredEvent>? CallAnswered;

    /// <summary>A call ended, with its reason.</summary>
    public event EventHandler<CallEndedEvent>? CallEnded;

    /// <summary>Fresh statistics of the active call (every <see cref="CallOptions.StatsInterval"/>).</summary>
    public event EventHandler<CallStatsEvent>? StatsUpdated;

    /// <summary>The active call's quality level changed (good / fair / poor).</summary>
    public event EventHandler<CallQualityChangedEvent>? QualityChanged;

    /// <summary>Every call event, in order, until <paramref name="cancellationToken"/> fires or the manager is disposed.</summary>
    public async IAsyncEnumerable<CallEvent> Events([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<CallEvent>(new UnboundedChannelOptions { SingleReader = true });
        _subscribers.TryAdd(channel, 0);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            _subscribers.TryRemove(channel, out _);
        }
    }

    /// <summary>Calls a peer: sends the Offer and returns the ringing call. Media starts when the peer answers.</summary>
    /// <exception cref="InvalidOperationException">Another call is ringing or active.</exception>
    /// <exception cref="MessagingException">The offer could not be delivered (the call ends as failed).</exception>
    public async Task<Call> StartCallAsync(EndpointAddr peer, CallMedia media, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(media);
        ThrowIfDisposed();
        if (media.Video && media.VideoSource is null)
        {
            throw new ArgumentException("Video needs a video source.", nameof(media));
        }

        var call = new Call(this, Guid.NewGuid(), peer.Id, CallDirection.Outgoing, media, media.Video, CallKeys.NewSecret(), _time)
        {
            PeerAddress = peer,
        };
        lock (_calls)
        {
            if (CurrentCall is { } busy)
            {
                throw new InvalidOperationException($"Already in call {busy.Id}.");
            }

            _calls[call.CallGuid] = call;
        }

        Log.CallState(_logger, call.Id, peer.Id.ToShortString(), "offering");
        StartSetupActivity(call);
        _dm.AddPeer(peer);
        StartRingTimer(call);
        try
        {
            await SendSignalAsync(peer.Id, new CallSignal(call.Id, CallSignalKind.Offer, AudioCodec, media.Video, call.CallerSecret), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await FinishAsync(call, CallEndReason.Failed, "offer not delivered: " + ex.Message).ConfigureAwait(false);
            throw;
        }

        return call;
    }

    /// <summary>Answers a ringing incoming call; the caller then opens the media connection.</summary>
    /// <exception cref="InvalidOperationException">No such ringing incoming call.</exception>
    public async Task<Call> AnswerAsync(string callId, CallMedia media, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        ThrowIfDisposed();
        var offered = Find(callId);
        if (offered is null || offered.Direction != CallDirection.Incoming || offered.State != CallState.Ringing)
        {
            throw new InvalidOperationException($"No ringing incoming call {callId}.");
        }

        if (media.Video && media.VideoSource is null)
        {
            throw new ArgumentException("Video needs a video source.", nameof(media));
        }

        var call = offered;
        call.UseAnswerMedia(media, CallKeys.NewSecret());
        if (!call.TryActivate())
        {
            throw new InvalidOperationException($"Call {callId} is no longer ringing.");
        }

        if (media.Video)
        {
            call.MarkVideoUsed();
        }

        StopRingTimer(call);
        try
        {
            await SendSignalAsync(call.Peer, new CallSignal(call.Id, CallSignalKind.Answer, AudioCodec, media.Video, call.CalleeSecret), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await FinishAsync(call, CallEndReason.Failed, "answer not delivered: " + ex.Message).ConfigureAwait(false);
            throw;
        }

        Log.CallState(_logger, call.Id, call.Peer.ToShortString(), "answered");
        Raise(new CallAnsweredEvent(call.Id, call.Peer), CallAnswered);
        // The caller dials now; if no connection arrives in time, the call fails.
        _ = Task.Run(() => AwaitLegAsync(call, _options.ConnectTimeout + _options.ReconnectWindow));
        return call;
    }

    /// <summary>Rejects a ringing incoming call with a reason ("declined" by default).</summary>
    public async Task RejectAsync(string callId, string reason = "declined", CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var call = Find(callId);
        if (call is null || call.Direction != CallDirection.Incoming || call.State != CallState.Ringing)
        {
            throw new InvalidOperationException($"No ringing incoming call {callId}.");
        }

        await SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.Reject, Reason: reason), cancellationToken).ConfigureAwait(false);
        await FinishAsync(call, CallEndReason.Rejected, reason).ConfigureAwait(false);
    }

    /// <summary>Hangs up (active), cancels (outgoing, ringing) or declines (incoming, ringing) a call.</summary>
    public async Task EndAsync(string callId, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var call = Find(callId) ?? throw new InvalidOperationException($"No call {callId}.");
        switch (call.State)
        {
            case CallState.Ended:
                return;
            case CallState.Ringing when call.Direction == CallDirection.Incoming:
                await RejectAsync(callId, "declined", cancellationToken).ConfigureAwait(false);
                return;
            case CallState.Ringing:
                await SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.End, Reason: "canceled"), cancellationToken).ConfigureAwait(false);
                await FinishAsync(call, CallEndReason.Missed, "canceled").ConfigureAwait(false);
                return;
            default:
                call.Ending = true;
                await SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.End, Reason: "hangup"), cancellationToken).ConfigureAwait(false);
                await FinishAsync(call, CallEndReason.Completed, "hangup").ConfigureAwait(false);
                return;
        }
    }

    /// <summary>Call history, newest first, from the store.</summary>
    public async Task<IReadOnlyList<CallRecord>> GetHistoryAsync(int limit = 50, DateTimeOffset? before = null, CancellationToken cancellationToken = default) =>
        await _dm.GetCallHistoryAsync(limit, before, cancellationToken).ConfigureAwait(false);

    /// <summary>Ends every call abruptly (no End signal: the peer sees a dropped connection) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var call in _calls.Values)
        {
            await FinishAsync(call, CallEndReason.Failed, "shut down", record: call.State != CallState.Ended).ConfigureAwait(false);
        }

        foreach (var subscriber in _subscribers.Keys)
        {
            subscriber.Writer.TryComplete();
        }

        _stop.Dispose();
        _telemetry.Dispose();
    }

    internal void OnStats(Call call, CallStats stats, CallVideoStats? video)
    {
        _telemetry.Concealed(call, stats);
        Raise(new CallStatsEvent(call.Id, call.Peer, stats, video), StatsUpdated);
    }

    internal void OnQualityChanged(Call call, CallQuality previous, CallStats stats) =>
        Raise(new CallQualityChangedEvent(call.Id, call.Peer, previous, stats.Quality, stats), QualityChanged);

    private Call? Find(string callId) =>
        Guid.TryParse(callId, out var id) && _calls.TryGetValue(id, out var call) ? call : null;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void Raise<T>(T item, EventHandler<T>? handler)
        where T : CallEvent
    {
        foreach (var subscriber in _subscribers.Keys)
        {
            subscriber.Writer.TryWrite(item);
        }

        try
        {
            handler?.Invoke(this, item);
        }
        catch (Exception ex)
        {
            Log.HandlerThrew(_logger, ex);
        }
    }

    // Not queued: a signal for an unreachable peer fails at once (MessagingError.PeerUnreachable).
    private Task<string> SendSignalAsync(EndpointId peer, CallSignal signal, CancellationToken cancellationToken) =>
        _dm.SendControlAsync(peer, CallSignal.Control, signal, ControlDelivery.Immediate, cancellationToken);

    private async Task SendBestEffortAsync(Call call, CallSignal signal, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        budget.CancelAfter(_options.ConnectTimeout);
        try
        {
            await SendSignalAsync(call.Peer, signal, budget.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MessagingException or OperationCanceledException or TransportException or ObjectDisposedException)
        {
            // The peer may be gone; its own ring timer or reconnect window ends the call there.
            Log.SignalFailed(_logger, ex, call.Id, signal.Kind.ToString());
        }
    }

    private void StartRingTimer(Call call)
    {
        var timer = _time.CreateTimer(
            static s =>
            {
                var (manager, c) = ((CallManager, Call))s!;
                _ = Task.Run(() => manager.OnRingTimeoutAsync(c));
            },
            (this, call), _options.RingTimeout, Timeout.InfiniteTimeSpan);
        if (!_ringTimers.TryAdd(call.CallGuid, timer))
        {
            timer.Dispose();
        }
    }

    private void StopRingTimer(Call call)
    {
        if (_ringTimers.TryRemove(call.CallGuid, out var timer))
        {
            timer.Dispose();
        }
    }

    private async Task OnRingTimeoutAsync(Call call)
    {
        if (!_calls.TryGetValue(call.CallGuid, out var current) || current.State != CallState.Ringing)
        {
            return;
        }

        if (current.Direction == CallDirection.Outgoing)
        {
            await SendBestEffortAsync(current, new CallSignal(current.Id, CallSignalKind.End, Reason: "timeout"), CancellationToken.None).ConfigureAwait(false);
        }

        await FinishAsync(current, CallEndReason.Missed, "no answer").ConfigureAwait(false);
    }

    /// <summary>Ends a call once: tears media down, writes the history row, raises the event, completes the call.</summary>
    private async Task FinishAsync(Call call, CallEndReason reason, string? detail, bool record = true)
    {
        if (!call.TryEnd(out var leg))
        {
            return;
        }

        StopRingTimer(call);
        EndSetupActivity(call, reason.ToString());
        Log.CallState(_logger, call.Id, call.Peer.ToShortString(), "ended " + reason + (detail is null ? string.Empty : ": " + detail));
        if (leg is not null)
        {
            await CloseLegAsync(leg).ConfigureAwait(false);
        }

        await call.CloseReceivedVideoAsync().ConfigureAwait(false);
        if (record)
        {
            await RecordAsync(call, reason).ConfigureAwait(false);
        }

        Raise(new CallEndedEvent(call.Id, call.Peer, reason, detail, call.Duration), CallEnded);
        call.Complete(reason);
    }

    private async Task RecordAsync(Call call, CallEndReason reason)
    {
        try
        {
            await _dm.RecordCallAsync(
                new CallRecord(call.Id, call.Peer, call.Direction, call.StartedAt, call.Duration, call.HadVideo, reason), CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.MediaFailed(_logger, ex, call.Id);
        }
    }

    private static async Task CloseLegAsync(CallLeg leg)
    {
        await leg.DisposeAsync().ConfigureAwait(false);
        // Closing waits for the peer's acknowledgement (up to seconds on a dead link): don't hold the call's end on it.
        _ = CloseQuietlyAsync(leg.Connection);
        if (leg.VideoConnection is { } video)
        {
            _ = CloseQuietlyAsync(video);
        }
    }

    private static async Task CloseQuietlyAsync(Connection connection)
    {
        try
        {
            await connection.CloseAsync(CallStreamErrors.CallEnded, "call ended").ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // already gone
        }
    }
}
