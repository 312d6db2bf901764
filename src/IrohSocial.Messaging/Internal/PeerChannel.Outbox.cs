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
    /// One delivery round: sends everything queued for the peer, in order, <see cref="DmClientOptions.SendWindow"/>
    /// envelopes at a time. On failure the head entry records the attempt and the next due time.
    /// </summary>
    public async Task<OutboxFlushResult> DeliverOutboxAsync(CancellationToken cancellationToken)
    {
        await _deliveryLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sent = 0;
            for (var round = 0; ; round++)
            {
                var entries = await _rt.Store.GetOutboxAsync(Peer, cancellationToken).ConfigureAwait(false);
                if (entries.Count == 0)
                {
                    return new OutboxFlushResult(sent, 0);
                }

                var generation = _sessionGeneration;
                try
                {
                    foreach (var chunk in entries.Chunk(_rt.Options.SendWindow))
                    {
                        var controls = chunk.Select(e => Control.Parse(e.Payload)).ToList();
                        await SendAndWaitAsync(controls, cancellationToken).ConfigureAwait(false);
                        sent += chunk.Length;
                    }
                }
                catch (MessagingException ex)
                {
                    // A session reset answers "the peer lost its state": try once more right away with the new session.
                    if (round == 0 && _sessionGeneration != generation)
                    {
                        continue;
                    }

                    var remaining = await _rt.Store.GetOutboxAsync(Peer, cancellationToken).ConfigureAwait(false);
                    if (remaining.Count > 0)
                    {
                        var attempts = remaining[0].Attempts + 1;
                        var delay = _rt.Options.RetryPolicy.GetDelay(attempts);
                        await _rt.Store.ApplyAsync([new RecordOutboxAttempt(remaining[0].Id, attempts, _rt.Time.GetUtcNow() + delay)], cancellationToken).ConfigureAwait(false);
                        Log.DeliveryFailed(_rt.Logger, Peer, attempts, delay, ex);
                    }

                    return new OutboxFlushResult(sent, remaining.Count);
                }
            }
        }
        finally
        {
            _deliveryLock.Release();
        }
    }
}
