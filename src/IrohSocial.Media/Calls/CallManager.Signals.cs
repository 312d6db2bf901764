using IrohSocial.Crypto;
using IrohSocial.Media.Calls.Internal;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Media.Calls;

public sealed partial class CallManager
{
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
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            // In arrival order per peer: an End must never overtake the Offer it cancels, nor the caller's next Offer
            // (handled per call, a canceled call could still look current to the next offer, which then heard "busy").
            _ = _signalQueue.Enqueue(peer, () => HandleSignalAsync(peer, signal));
        });
        return ValueTask.CompletedTask;
    }

    private async Task HandleSignalAsync(EndpointId peer, CallSignal signal)
    {
        try
        {
            if (!Guid.TryParse(signal.CallId, out var callId))
            {
                Log.SignalIgnored(_logger, signal.Kind.ToString(), signal.CallId, peer.ToShortString(), "call id is not a UUID");
                return;
            }

            _calls.TryGetValue(callId, out var call);
            if (call is not null && call.Peer != peer)
            {
                Log.SignalIgnored(_logger, signal.Kind.ToString(), signal.CallId, peer.ToShortString(), "another peer's call");
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
                    await FinishAsync(call, CallEndReason.Rejected, signal.Reason ?? "declined").ConfigureAwait(false);
                    break;
                case CallSignalKind.End when call is { State: CallState.Ringing }:
                    await FinishAsync(call, CallEndReason.Missed, signal.Reason ?? "canceled").ConfigureAwait(false);
                    break;
                case CallSignalKind.End when call is { State: CallState.Active }:
                    await FinishAsync(call, signal.Reason == "failed" ? CallEndReason.Failed : CallEndReason.Completed, signal.Reason ?? "hangup")
                        .ConfigureAwait(false);
                    break;
                case CallSignalKind.IceCandidate:
                    // Reserved: direct addresses come from the endpoint ticket; candidates are ignored.
                    break;
                default:
                    Log.SignalIgnored(_logger, signal.Kind.ToString(), signal.CallId, peer.ToShortString(), "no call in a matching state");
                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SignalFailed(_logger, ex, signal.CallId, signal.Kind.ToString());
        }
    }

    private async Task OnOfferAsync(EndpointId peer, Guid callId, CallSignal signal, Call? existing)
    {
        if (existing is not null)
        {
            return; // a repeated offer
        }

        if (signal.MediaKey is not { Length: CallKeys.SecretSize })
        {
            Log.SignalIgnored(_logger, signal.Kind.ToString(), signal.CallId, peer.ToShortString(), "media key missing or of the wrong size");
            return;
        }

        var call = new Call(this, callId, peer, CallDirection.Incoming, new CallMedia(), signal.Video, signal.MediaKey, _time);
        bool busy;
        Call? superseded = null;
        lock (_calls)
        {
            var current = CurrentCall;

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
                _calls[callId] = call;
            }
        }

        if (superseded is not null)
        {
            await FinishAsync(superseded, CallEndReason.Missed, "canceled").ConfigureAwait(false);
        }

        if (busy)
        {
            // Rejected on the caller's side; a missed call on ours.
            // Recorded before the Reject goes out, so the history is complete by the time the caller hears "busy".
            call.TryEnd(out _);
            _calls[callId] = call;
            await RecordAsync(call, CallEndReason.Missed).ConfigureAwait(false);
            await SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.Reject, Reason: "busy"), CancellationToken.None).ConfigureAwait(false);
            Raise(new CallEndedEvent(call.Id, call.Peer, CallEndReason.Missed, "busy", TimeSpan.Zero), CallEnded);
            call.Complete(CallEndReason.Missed);
            return;
        }

        StartRingTimer(call);
        Log.CallState(_logger, call.Id, peer.ToShortString(), "ringing");
        Raise(new IncomingCallEvent(call.Id, peer, signal.Video, call), IncomingCall);
    }

    private void OnAnswer(Call call, CallSignal signal)
    {
        if (signal.MediaKey is not { Length: CallKeys.SecretSize })
        {
            Log.SignalIgnored(_logger, signal.Kind.ToString(), signal.CallId, call.Peer.ToShortString(), "media key missing or of the wrong size");
            return;
        }

        call.CalleeSecret = signal.MediaKey;
        if (!call.TryActivate())
        {
            return;
        }

        StopRingTimer(call);
        Log.CallState(_logger, call.Id, call.Peer.ToShortString(), "answered");
        Raise(new CallAnsweredEvent(call.Id, call.Peer), CallAnswered);

        // Not awaited: the call's later signals (an End right after the Answer) must not wait behind the dial.
        _ = DialAfterAnswerAsync(call);
    }

    private async Task DialAfterAnswerAsync(Call call)
    {
        try
        {
            await DialAsync(call, _options.ConnectTimeout + _options.ReconnectWindow).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SignalFailed(_logger, ex, call.Id, nameof(CallSignalKind.Answer));
        }
    }
}
