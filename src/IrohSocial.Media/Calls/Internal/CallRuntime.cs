using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// What the call manager's parts share: the calls by id, ring timers, the one way a call ends
/// (<see cref="FinishAsync"/>), and the parts themselves (<see cref="Signaling"/>, <see cref="Legs"/>,
/// <see cref="Streams"/>, <see cref="History"/>).
/// </summary>
internal sealed class CallRuntime
{
    private readonly ConcurrentDictionary<Guid, ITimer> _ringTimers = new();
    private readonly Action<CallEvent> _raise;
    private int _disposed;

    public CallRuntime(DmClient dm, Endpoint endpoint, CallOptions options, TimeProvider time, ILogger logger, Action<CallEvent> raise, IMeterFactory? meterFactory)
    {
        Telemetry = new MediaTelemetry(meterFactory, () => CurrentCall?.Handle);
        Dm = dm;
        Endpoint = endpoint;
        Options = options;
        Time = time;
        Logger = logger;
        _raise = raise;
        History = new CallHistory(dm);
        Signaling = new CallSignaling(this);
        Legs = new CallLegs(this);
        Streams = new CallStreamRouter(this);
    }

    public DmClient Dm { get; }

    public Endpoint Endpoint { get; }

    public CallOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>The <c>IrohSocial.Media</c> meter of this manager (docs/observability.md).</summary>
    public MediaTelemetry Telemetry { get; }

    /// <summary>Cancelled when the manager is disposed.</summary>
    public CancellationTokenSource Stop { get; } = new();

    /// <summary>Every call of this manager's life, by id (ended ones stay, so late signals and streams are recognised).</summary>
    public ConcurrentDictionary<Guid, CallCore> Calls { get; } = new();

    public CallHistory History { get; }

    public CallSignaling Signaling { get; }

    public CallLegs Legs { get; }

    public CallStreamRouter Streams { get; }

    public bool Disposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The call that is ringing or active, if any.</summary>
    public CallCore? CurrentCall => Calls.Values.FirstOrDefault(c => c.State != CallState.Ended);

    /// <summary>Marks the runtime disposed; true the first time.</summary>
    public bool TryDispose() => Interlocked.Exchange(ref _disposed, 1) == 0;

    public CallCore? Find(string callId) =>
        Guid.TryParse(callId, out var id) && Calls.TryGetValue(id, out var call) ? call : null;

    public void Raise(CallEvent item) => _raise(item);

    public void StartRingTimer(CallCore call)
    {
        var timer = Time.CreateTimer(
            static s =>
            {
                var (runtime, c) = ((CallRuntime, CallCore))s!;
                _ = Task.Run(() => runtime.OnRingTimeoutAsync(c));
            },
            (this, call), Options.RingTimeout, Timeout.InfiniteTimeSpan);
        if (!_ringTimers.TryAdd(call.CallGuid, timer))
        {
            timer.Dispose();
        }
    }

    public void StopRingTimer(CallCore call)
    {
        if (_ringTimers.TryRemove(call.CallGuid, out var timer))
        {
            timer.Dispose();
        }
    }

    /// <summary>Ends a call once: tears media down, writes the history row, raises the event, completes the call.</summary>
    public async Task FinishAsync(CallCore call, CallEndReason reason, string? detail, bool record = true)
    {
        if (!call.TryEnd(out var leg))
        {
            return;
        }

        StopRingTimer(call);
        call.Watchdog?.Dispose();
        MediaTelemetry.EndSetupActivity(call, reason.ToString());
        Log.CallState(Logger, call.Id, call.Peer.ToShortString(), "ended " + reason + (detail is null ? string.Empty : ": " + detail));
        if (leg is not null)
        {
            await CallLegs.CloseLegAsync(leg).ConfigureAwait(false);
        }

        await call.CloseReceivedVideoAsync().ConfigureAwait(false);
        if (record)
        {
            await RecordAsync(call, reason).ConfigureAwait(false);
        }

        Raise(new CallEndedEvent(call.Id, call.Peer, reason, detail, call.Duration));
        call.Complete(reason);
    }

    /// <summary>Writes the call's history entry; a store failure is logged, never thrown at the call's end.</summary>
    public async Task RecordAsync(CallCore call, CallEndReason reason)
    {
        try
        {
            await History.SaveAsync(new CallRecord(call.Id, call.Peer, call.Direction, call.StartedAt, call.Duration, call.HadVideo, reason), CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.MediaFailed(Logger, ex, call.Id);
        }
    }

    private async Task OnRingTimeoutAsync(CallCore call)
    {
        if (!Calls.TryGetValue(call.CallGuid, out var current) || current.State != CallState.Ringing)
        {
            return;
        }

        if (current.Direction == CallDirection.Outgoing)
        {
            await Signaling.SendBestEffortAsync(current, new CallSignal(current.Id, CallSignalKind.End, Reason: "timeout"), CancellationToken.None).ConfigureAwait(false);
        }

        await FinishAsync(current, CallEndReason.Missed, "no answer").ConfigureAwait(false);
    }
}
