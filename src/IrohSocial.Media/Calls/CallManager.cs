using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using IrohSocial.Crypto;
using IrohSocial.Media.Calls.Internal;
using IrohSocial.Messaging;
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
/// <remarks>
/// The work is done by internal parts sharing one <c>CallRuntime</c>: signalling (<c>CallSignaling</c>), dialing and
/// restoring legs (<c>CallLegs</c>), inbound stream routing (<c>CallStreamRouter</c>) and the history
/// (<c>CallHistory</c>); this class is the app's handle on them.
/// </remarks>
public sealed class CallManager : IAsyncDisposable
{
    /// <summary>The audio codec named in offers (Opus, 48 kHz mono, 20 ms frames).</summary>
    public const string AudioCodec = "opus48k";

    private readonly CallRuntime _runtime;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Channel<CallEvent>, byte> _subscribers = new();

    internal CallManager(DmClient dm, Endpoint endpoint, CallOptions options, TimeProvider time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory = null)
    {
        options.Validate();
        _logger = loggerFactory?.CreateLogger<CallManager>() ?? NullLogger<CallManager>.Instance;
        _runtime = new CallRuntime(dm, endpoint, options, time, _logger, Raise, meterFactory);
        ProtocolHandler = new CallProtocolHandler(_runtime.Streams);
        endpoint.NetworkChanged += OnNetworkChanged;
    }

    /// <summary>The <c>iroh-social/call/1</c> handler (registered by the node's router).</summary>
    public IProtocolHandler ProtocolHandler { get; }

    /// <summary>Incoming media streams (or connections) refused: unknown or unanswered call, wrong peer, bad preamble.</summary>
    public long RefusedStreams => _runtime.Streams.RefusedStreams;

    /// <summary>The call that is ringing or active, if any.</summary>
    public Call? CurrentCall => _runtime.CurrentCall?.Handle;

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

    /// <summary>The active call's connection was restored and audio plays again (with the audio gap it cost).</summary>
    public event EventHandler<CallReconnectedEvent>? Reconnected;

    /// <summary>Adds <c>iroh-social/call/1</c> to a router the app owns (call before the router starts).</summary>
    public Router Register(Router router)
    {
        ArgumentNullException.ThrowIfNull(router);
        return router.Accept(Alpns.Calls, ProtocolHandler);
    }

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

        var call = new CallCore(_runtime, Guid.NewGuid(), peer.Id, CallDirection.Outgoing, media, media.Video, CallKeys.NewSecret(), _runtime.Time)
        {
            PeerAddress = peer,
        };
        lock (_runtime.Calls)
        {
            if (_runtime.CurrentCall is { } busy)
            {
                throw new InvalidOperationException($"Already in call {busy.Id}.");
            }

            _runtime.Calls[call.CallGuid] = call;
        }

        Log.CallState(_logger, call.Id, peer.Id.ToShortString(), "offering");
        MediaTelemetry.StartSetupActivity(call);
        _runtime.Dm.AddPeer(peer);
        _runtime.StartRingTimer(call);
        try
        {
            await _runtime.Signaling.SendAsync(peer.Id, new CallSignal(call.Id, CallSignalKind.Offer, AudioCodec, media.Video, call.CallerSecret), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await _runtime.FinishAsync(call, CallEndReason.Failed, "offer not delivered: " + ex.Message).ConfigureAwait(false);
            throw;
        }

        return call.Handle;
    }

    /// <summary>Answers a ringing incoming call; the caller then opens the media connection.</summary>
    /// <exception cref="InvalidOperationException">No such ringing incoming call.</exception>
    public async Task<Call> AnswerAsync(string callId, CallMedia media, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        ThrowIfDisposed();
        var call = _runtime.Find(callId);
        if (call is null || call.Direction != CallDirection.Incoming || call.State != CallState.Ringing)
        {
            throw new InvalidOperationException($"No ringing incoming call {callId}.");
        }

        if (media.Video && media.VideoSource is null)
        {
            throw new ArgumentException("Video needs a video source.", nameof(media));
        }

        call.UseAnswerMedia(media, CallKeys.NewSecret());
        if (!call.TryActivate())
        {
            throw new InvalidOperationException($"Call {callId} is no longer ringing.");
        }

        if (media.Video)
        {
            call.MarkVideoUsed();
        }

        _runtime.StopRingTimer(call);
        try
        {
            await _runtime.Signaling.SendAsync(call.Peer, new CallSignal(call.Id, CallSignalKind.Answer, AudioCodec, media.Video, call.CalleeSecret), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await _runtime.FinishAsync(call, CallEndReason.Failed, "answer not delivered: " + ex.Message).ConfigureAwait(false);
            throw;
        }

        Log.CallState(_logger, call.Id, call.Peer.ToShortString(), "answered");
        Raise(new CallAnsweredEvent(call.Id, call.Peer));
        // The caller dials now; if no connection arrives in time, the call fails.
        var options = _runtime.Options;
        _ = Task.Run(() => _runtime.Legs.AwaitLegAsync(call, options.ConnectTimeout + options.ReconnectWindow));
        return call.Handle;
    }

    /// <summary>Rejects a ringing incoming call with a reason ("declined" by default).</summary>
    public async Task RejectAsync(string callId, string reason = "declined", CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var call = _runtime.Find(callId);
        if (call is null || call.Direction != CallDirection.Incoming || call.State != CallState.Ringing)
        {
            throw new InvalidOperationException($"No ringing incoming call {callId}.");
        }

        await _runtime.Signaling.SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.Reject, Reason: reason), cancellationToken).ConfigureAwait(false);
        await _runtime.FinishAsync(call, CallEndReason.Rejected, reason).ConfigureAwait(false);
    }

    /// <summary>Hangs up (active), cancels (outgoing, ringing) or declines (incoming, ringing) a call.</summary>
    public async Task EndAsync(string callId, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var call = _runtime.Find(callId) ?? throw new InvalidOperationException($"No call {callId}.");
        switch (call.State)
        {
            case CallState.Ended:
                return;
            case CallState.Ringing when call.Direction == CallDirection.Incoming:
                await RejectAsync(callId, "declined", cancellationToken).ConfigureAwait(false);
                return;
            case CallState.Ringing:
                await _runtime.Signaling.SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.End, Reason: "canceled"), cancellationToken).ConfigureAwait(false);
                await _runtime.FinishAsync(call, CallEndReason.Missed, "canceled").ConfigureAwait(false);
                return;
            default:
                call.Ending = true;
                await _runtime.Signaling.SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.End, Reason: "hangup"), cancellationToken).ConfigureAwait(false);
                await _runtime.FinishAsync(call, CallEndReason.Completed, "hangup").ConfigureAwait(false);
                return;
        }
    }

    /// <summary>Call history, newest first, from the client's store (sealed at rest, included in backups).</summary>
    /// <param name="limit">At most this many entries.</param>
    /// <param name="before">Only calls started before this time (all when null).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public Task<IReadOnlyList<CallRecord>> GetHistoryAsync(int limit = 50, DateTimeOffset? before = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _runtime.History.GetAsync(null, limit, before, cancellationToken);
    }

    /// <summary>Call history with one peer, newest first.</summary>
    /// <param name="peer">The other side.</param>
    /// <param name="limit">At most this many entries.</param>
    /// <param name="before">Only calls started before this time (all when null).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public Task<IReadOnlyList<CallRecord>> GetHistoryAsync(EndpointId peer, int limit = 50, DateTimeOffset? before = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _runtime.History.GetAsync(peer, limit, before, cancellationToken);
    }

    /// <summary>
    /// Reads the call history straight from a store, for tools that open the store without a running node (the
    /// history is written only by a running <see cref="CallManager"/>). Newest first.
    /// </summary>
    /// <param name="store">The client's store.</param>
    /// <param name="limit">At most this many entries.</param>
    /// <param name="before">Only calls started before this time (all when null).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static Task<IReadOnlyList<CallRecord>> ReadHistoryAsync(IRecordStore store, int limit = 50, DateTimeOffset? before = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return CallHistory.ReadAsync(store, null, limit, before, cancellationToken);
    }

    /// <summary>
    /// The connections of a call's current media leg, or null when the call is unknown, still ringing, ended, or
    /// between legs (restoring a dropped connection).
    /// </summary>
    public CallConnections? GetConnections(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return _runtime.Find(callId)?.Leg is { } leg ? new CallConnections(leg.Connection, leg.VideoConnection) : null;
    }

    /// <summary>Ends every call abruptly (no End signal: the peer sees a dropped connection) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_runtime.TryDispose())
        {
            return;
        }

        _runtime.Endpoint.NetworkChanged -= OnNetworkChanged;
        await _runtime.Stop.CancelAsync().ConfigureAwait(false);
        foreach (var call in _runtime.Calls.Values)
        {
            await _runtime.FinishAsync(call, CallEndReason.Failed, "shut down", record: call.State != CallState.Ended).ConfigureAwait(false);
        }

        foreach (var subscriber in _subscribers.Keys)
        {
            subscriber.Writer.TryComplete();
        }

        _runtime.Stop.Dispose();
        _runtime.Telemetry.Dispose();
    }

    // The path under an active call may have died with the change: restore its leg now rather than wait for silence.
    private void OnNetworkChanged(object? sender, NetworkChangedEventArgs e)
    {
        if (_runtime.CurrentCall is { State: CallState.Active } call && !_runtime.Disposed)
        {
            _runtime.Legs.RestoreNow(call, e.AddressChanged ? "network changed, new address" : "network changed");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_runtime.Disposed, this);

    private void Raise(CallEvent item)
    {
        foreach (var subscriber in _subscribers.Keys)
        {
            subscriber.Writer.TryWrite(item);
        }

        try
        {
            switch (item)
            {
                case IncomingCallEvent e:
                    IncomingCall?.Invoke(this, e);
                    break;
                case CallAnsweredEvent e:
                    CallAnswered?.Invoke(this, e);
                    break;
                case CallEndedEvent e:
                    CallEnded?.Invoke(this, e);
                    break;
                case CallStatsEvent e:
                    StatsUpdated?.Invoke(this, e);
                    break;
                case CallQualityChangedEvent e:
                    QualityChanged?.Invoke(this, e);
                    break;
                case CallReconnectedEvent e:
                    Reconnected?.Invoke(this, e);
                    break;
            }
        }
        catch (Exception ex)
        {
            Log.HandlerThrew(_logger, ex);
        }
    }
}
