using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Controls;
using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// Call signalling over the DM session (control kind <c>call.signal</c>): sending offers, answers, rejects and ends,
/// and handling the peer's, one peer's signals in arrival order. A new offer from the peer that is still ringing us
/// replaces that ring; any other offer while a call is on is rejected as "busy".
/// </summary>
internal sealed class CallSignaling
{
    private readonly CallRuntime _runtime;
    private readonly KeyedSerialQueue<EndpointId> _queue = new();

    public CallSignaling(CallRuntime runtime)
    {
        _runtime = runtime;
        // One call manager per DM client: the kind has one handler.
        runtime.Dm.RegisterControl(CallSignal.Control, OnSignalReceived);
    }

    // Not queued: a signal for an unreachable peer fails at once (MessagingError.PeerUnreachable).
    public Task<string> SendAsync(EndpointId peer, CallSignal signal, CancellationToken cancellationToken) =>
        _runtime.Dm.SendControlAsync(peer, CallSignal.Control, signal, ControlDelivery.Immediate, cancellationToken);

    public async Task SendBestEffortAsync(CallCore call, CallSignal signal, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _runtime.Stop.Token);
        budget.CancelAfter(_runtime.Options.ConnectTimeout);
        try
        {
            await SendAsync(call.Peer, signal, budget.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MessagingException or OperationCanceledException or TransportException or ObjectDisposedException)
        {
            // The peer may be gone; its own ring timer or reconnect window ends the call there.
            Log.SignalFailed(_runtime.Logger, ex, call.Id, signal.Kind.ToString());
        }
    }

    // Runs inside the DM session's inbound batch; the call logic runs once the batch (and the remembered id) is stored.
    private ValueTask OnSignalReceived(ControlContext context, CallSignal signal, CancellationToken cancellationToken)
    {
        if (signal.CallId is not { Length: > 0 and <= 64 } || !Enum.IsDefined(signal.Kind))
        {
            // Closes the peer's stream like any malformed control.
            throw new MessagingException(MessagingError.MalformedControl, "A call signal needs a call id (1-64 chars) and a known kind.");
        }

        var peer = context.Peer;
        context.AfterCommit(() =>
        {
            if (_runtime.Disposed)
            {
                return;
            }

            // In arrival order per peer: an End must never overtake the Offer it cancels, nor the caller's next Offer
            // (handled per call, a canceled call could still look current to the next offer, which then heard "busy").
            _ = _queue.Enqueue(peer, () => HandleSignalAsync(peer, signal));
        });
        return ValueTask.CompletedTask;
    }

    private async Task HandleSignalAsync(EndpointId peer, CallSignal signal)
    {
        var logger = _runtime.Logger;
        try
        {
            if (!Guid.TryParse(signal.CallId, out var callId))
            {
                Log.SignalIgnored(logger, signal.Kind.ToString(), signal.CallId, peer.ToShortString(), "call id is not a UUID");
                return;
            }

            _runtime.Calls.TryGetValue(callId, out var call);
            if (call is not null && call.Peer != peer)
            {
                Log.SignalIgnored(logger, signal.Kind.ToString(), signal.CallId, peer.ToShortString(), "another peer's call");
                return;
            }

            switch (signal.Kind)
            {
                case CallSignalKind.Offer:
                    await OnOfferAsync(peer, callId, signal, call).ConfigureAwait(false);
                    break;
                case CallSignalKind.Answer when call is { Direction: CallDirection.Outgoing, State: CallState.Ringing }:
                    OnAnswer(call, signal);
                    break;
                case CallSignalKind.Reject when call is { Direction: CallDirection.Outgoing, State: CallState.Ringing }:
                    await _runtime.FinishAsync(call, CallEndReason.Rejected, signal.Reason ?? "declined").ConfigureAwait(false);
                    break;
                case CallSignalKind.End when call is { State: CallState.Ringing }:
                    await _runtime.FinishAsync(call, CallEndReason.Missed, signal.Reason ?? "canceled").ConfigureAwait(false);
                    break;
                case CallSignalKind.End when call is { State: CallState.Active }:
                    await _runtime.FinishAsync(call, signal.Reason == "failed" ? CallEndReason.Failed : CallEndReason.Completed, signal.Reason ?? "hangup")
                        .ConfigureAwait(false);
                    break;
                case CallSignalKind.IceCandidate:
                    // Reserved: direct addresses come from the endpoint ticket; candidates are ignored.
                    break;
                default:
                    Log.SignalIgnored(logger, signal.Kind.ToString(), signal.CallId, peer.ToShortString(), "no call in a matching state");
                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SignalFailed(logger, ex, signal.CallId, signal.Kind.ToString());
        }
    }

    private async Task OnOfferAsync(EndpointId peer, Guid callId, CallSignal signal, CallCore? existing)
    {
        if (existing is not null)
        {
            return; // a repeated offer
        }

        if (signal.MediaKey is not { Length: CallKeys.SecretSize })
        {
            Log.SignalIgnored(_runtime.Logger, signal.Kind.ToString(), signal.CallId, peer.ToShortString(), "media key missing or of the wrong size");
            return;
        }

        var calls = _runtime.Calls;
        var call = new CallCore(_runtime, callId, peer, CallDirection.Incoming, new CallMedia(), signal.Video, signal.MediaKey, _runtime.Time);
        bool busy;
        CallCore? superseded = null;
        lock (calls)
        {
            var current = _runtime.CurrentCall;

            // A caller has one call at a time: a new offer from the peer still ringing us means that ring was canceled
            // (its End may travel behind this Offer), so the new call replaces it instead of hearing "busy".
            if (current is { Direction: CallDirection.Incoming, State: CallState.Ringing } && current.Peer == peer)
            {
                superseded = current;
                current = null;
            }

            busy = current is not null;
            if (!busy)
            {
                calls[callId] = call;
            }
        }

        if (superseded is not null)
        {
            await _runtime.FinishAsync(superseded, CallEndReason.Missed, "canceled").ConfigureAwait(false);
        }

        if (busy)
        {
            // Rejected on the caller's side; a missed call on ours.
            // Recorded before the Reject goes out, so the history is complete by the time the caller hears "busy".
            call.TryEnd(out _);
            calls[callId] = call;
            await _runtime.RecordAsync(call, CallEndReason.Missed).ConfigureAwait(false);
            await SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.Reject, Reason: "busy"), CancellationToken.None).ConfigureAwait(false);
            _runtime.Raise(new CallEndedEvent(call.Id, call.Peer, CallEndReason.Missed, "busy", TimeSpan.Zero));
            call.Complete(CallEndReason.Missed);
            return;
        }

        _runtime.StartRingTimer(call);
        Log.CallState(_runtime.Logger, call.Id, peer.ToShortString(), "ringing");
        _runtime.Raise(new IncomingCallEvent(call.Id, peer, signal.Video, call.Handle));
    }

    private void OnAnswer(CallCore call, CallSignal signal)
    {
        if (signal.MediaKey is not { Length: CallKeys.SecretSize })
        {
            Log.SignalIgnored(_runtime.Logger, signal.Kind.ToString(), signal.CallId, call.Peer.ToShortString(), "media key missing or of the wrong size");
            return;
        }

        call.CalleeSecret = signal.MediaKey;
        if (!call.TryActivate())
        {
            return;
        }

        _runtime.StopRingTimer(call);
        Log.CallState(_runtime.Logger, call.Id, call.Peer.ToShortString(), "answered");
        _runtime.Raise(new CallAnsweredEvent(call.Id, call.Peer));

        // Not awaited: the call's later signals (an End right after the Answer) must not wait behind the dial.
        _ = DialAfterAnswerAsync(call);
    }

    private async Task DialAfterAnswerAsync(CallCore call)
    {
        try
        {
            await _runtime.Legs.DialAsync(call, _runtime.Options.ConnectTimeout + _runtime.Options.ReconnectWindow).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SignalFailed(_runtime.Logger, ex, call.Id, nameof(CallSignalKind.Answer));
        }
    }
}
