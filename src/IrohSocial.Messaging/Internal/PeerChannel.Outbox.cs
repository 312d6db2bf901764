using System.Runtime.CompilerServices;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

internal sealed partial class PeerChannel
{
    /// <summary>
    /// Delivers the peer's outbox whenever it is due: at once when woken, else when the head entry's backoff ends.
    /// </summary>
    private async Task RunOutboxWorkerAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var entries = await _rt.Store.GetOutboxAsync(Peer, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _outboxDepth, entries.Count);
                if (entries.Count == 0)
                {
                    await _wake.WaitAsync(Timeout.InfiniteTimeSpan, _rt.Time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var wait = entries[0].NextAttemptAt - _rt.Time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await _wake.WaitAsync(wait, _rt.Time, cancellationToken).ConfigureAwait(false);
                }

                // Wakes that came before this round are answered by it; later ones trigger another.
                _wake.Reset();
                await DeliverOutboxAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A store failure: back off a little rather than spin.
                Log.WorkerError(_rt.Logger, Peer, ex);
                await _wake.WaitAsync(_rt.Options.RetryPolicy.BaseDelay, _rt.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One delivery round: sends everything queued for the peer, in order, with at most
    /// <see cref="DmClientOptions.SendWindow"/> envelopes awaiting acknowledgement. On failure the head entry
    /// records the attempt and the next due time.
    /// </summary>
    public async Task<OutboxFlushResult> DeliverOutboxAsync(CancellationToken cancellationToken)
    {
        await _deliveryLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var progress = new StrongBox<int>();
            for (var round = 0; ; round++)
            {
                var entries = await _rt.Store.GetOutboxAsync(Peer, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _outboxDepth, entries.Count);
                if (entries.Count == 0)
                {
                    return new OutboxFlushResult(progress.Value, 0);
                }

                var generation = _sessionGeneration;
                try
                {
                    // Reach the peer first, then read what to send: a dial can take seconds (a QUIC handshake to a
                    // peer that is just coming up), and an entry the app dropped meanwhile must not go out from a
                    // snapshot taken before it.
                    await GetLinkAsync(cancellationToken).ConfigureAwait(false);
                    entries = await _rt.Store.GetOutboxAsync(Peer, cancellationToken).ConfigureAwait(false);
                    if (entries.Count == 0)
                    {
                        return new OutboxFlushResult(progress.Value, 0);
                    }

                    await SendWindowedAsync(entries, progress, cancellationToken).ConfigureAwait(false);
                }
                catch (MessagingException ex)
                {
                    // A session reset answers "the peer lost its state": try once more right away with the new session.
                    if (round == 0 && _sessionGeneration != generation)
                    {
                        continue;
                    }

                    var remaining = await _rt.Store.GetOutboxAsync(Peer, cancellationToken).ConfigureAwait(false);
                    var deposited = 0;
                    if (ex.Error == MessagingError.PeerUnreachable && remaining.Count > 0)
                    {
                        // Direct and relay failed (or the relay does not know the peer): its mailbox, if it has one.
                        deposited = await TryDepositAsync(remaining, cancellationToken).ConfigureAwait(false);
                        remaining = deposited > 0 ? await _rt.Store.GetOutboxAsync(Peer, cancellationToken).ConfigureAwait(false) : remaining;
                    }

                    Volatile.Write(ref _outboxDepth, remaining.Count);
                    _rt.Telemetry.DeliveryFailed(ex.Error);
                    if (remaining.Count > 0)
                    {
                        var attempts = remaining[0].Attempts + 1;
                        var delay = _rt.Options.RetryPolicy.GetDelay(attempts);
                        await _rt.Store.ApplyAsync([new RecordOutboxAttempt(remaining[0].Id, attempts, _rt.Time.GetUtcNow() + delay)], cancellationToken).ConfigureAwait(false);
                        Log.DeliveryFailed(_rt.Logger, Peer, attempts, delay, ex);
                    }

                    return new OutboxFlushResult(progress.Value, remaining.Count, deposited);
                }
            }
        }
        finally
        {
            _deliveryLock.Release();
        }
    }

    /// <summary>
    /// Sliding window: whenever acknowledgements free slots, everything that fits is encrypted and committed as
    /// one batch and queued. Counts acknowledged entries in <paramref name="acked"/>; throws on the first failure.
    /// </summary>
    private async Task SendWindowedAsync(IReadOnlyList<OutboxEntry> entries, StrongBox<int> acked, CancellationToken cancellationToken)
    {
        var window = _rt.Options.SendWindow;
        var inFlight = new Queue<Task>(window);
        var next = 0;
        while (next < entries.Count || inFlight.Count > 0)
        {
            var free = Math.Min(window - inFlight.Count, entries.Count - next);
            if (free > 0)
            {
                var controls = new List<Control>(free);
                for (var i = 0; i < free; i++)
                {
                    controls.Add(Control.Parse(entries[next + i].Payload));
                }

                next += free;
                foreach (var ack in await SendControlsAsync(controls, cancellationToken).ConfigureAwait(false))
                {
                    inFlight.Enqueue(ack);
                }
            }

            // Acknowledgements come back in order; waiting for the oldest frees the next slot. Those already in
            // free theirs too, so the window refills in one batch (one durable commit) rather than one by one.
            await AwaitAckAsync(inFlight.Dequeue(), cancellationToken).ConfigureAwait(false);
            acked.Value++;
            while (inFlight.Count > 0 && inFlight.Peek().IsCompleted)
            {
                await AwaitAckAsync(inFlight.Dequeue(), cancellationToken).ConfigureAwait(false);
                acked.Value++;
            }
        }
    }
}
