using IrohSocial.Mailbox;
using IrohSocial.Messaging.Internal.Mailbox;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

internal sealed partial class PeerChannel
{
    /// <summary>
    /// The peer cannot be reached: leaves what is queued for it in its mailbox, when its address names one. Each
    /// entry is encrypted afresh (the advanced session is committed before anything leaves), padded and deposited
    /// under its own id, so a retry after a crash answers "exists". A deposited entry leaves the outbox and a
    /// deposited message turns <see cref="MessageStatus.Deposited"/>. Returns how many were deposited; mailbox
    /// failures are logged and leave the rest queued.
    /// </summary>
    private async Task<int> TryDepositAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        if (await _rt.ResolveAddress(Peer, cancellationToken).ConfigureAwait(false) is not { Mailbox: { } mailbox })
        {
            return 0;
        }

        var blobs = new List<(OutboxEntry Entry, byte[] Blob)>(entries.Count);
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                blobs.Add((entry, MailboxPadding.Pad(MailboxDeposit.Encode(_rt.LocalAddress(), Seal(session, Control.Parse(entry.Payload))))));
            }

            await CommitAsync([new SaveSession(Peer, session.Serialize())], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            InvalidateSession();
            throw;
        }
        finally
        {
            _sessionLock.Release();
        }

        var client = _rt.Mailboxes.Get(mailbox);
        var operations = new List<StoreOperation>();
        var events = new List<DmEvent>();
        var deposited = 0;
        foreach (var (entry, blob) in blobs)
        {
            try
            {
                // Stored or Exists (a retry): either way the mailbox has it.
                await client.DepositAsync(Peer, entry.Id, _rt.Options.MailboxTimeToLive, blob, cancellationToken).ConfigureAwait(false);
            }
            catch (MailboxException ex)
            {
                Log.DepositFailed(_rt.Logger, Peer, ex.Refusal?.ToString() ?? ex.Error.ToString(), ex);
                break;
            }

            deposited++;
            operations.Add(new RemoveOutbox(Peer, entry.Id));
            if (await _rt.Store.GetMessageInfoAsync(entry.Id, cancellationToken).ConfigureAwait(false) is { Direction: MessageDirection.Outgoing, Status: MessageStatus.Pending } mine
                && mine.Peer == Peer)
            {
                operations.Add(new SetMessageStatus(Peer, entry.Id, MessageStatus.Deposited));
                events.Add(new MessageDepositedEvent(Peer, entry.Id));
            }
        }

        if (operations.Count > 0)
        {
            await _rt.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
            Log.Deposited(_rt.Logger, deposited, Peer);
            _rt.Telemetry.Deposited(deposited);
            foreach (var dmEvent in events)
            {
                _rt.Raise(dmEvent);
            }
        }

        return deposited;
    }

    /// <summary>
    /// Applies envelopes fetched from our own mailbox, like those of an envelope stream, except that the sender is
    /// away: nothing is answered on a link, and the acknowledgement is a <c>mailbox.delivered</c> receipt queued in
    /// our outbox in the same batch, delivered when the sender is reachable.
    /// </summary>
    /// <returns>Whether any of them decrypted (so the sender is who the envelopes claim).</returns>
    public Task<bool> ProcessMailboxFramesAsync(List<byte[]> frames, CancellationToken cancellationToken) =>
        ProcessFramesAsync(frames, cancellationToken, fromMailbox: true);

    /// <summary>Queues the receipts of controls that came through the mailbox (part of the batch that applied them).</summary>
    private void QueueMailboxReceipts(InboundBatch batch)
    {
        var now = _rt.Time.GetUtcNow();
        foreach (var ids in batch.ToAcknowledge.Chunk(MailboxReceipt.MaxIds))
        {
            var receipt = ControlRegistry.Wrap(_rt.NewId(), MailboxReceipt.Kind, new MailboxReceipt(ids));
            batch.Operations.Add(new EnqueueOutbox(new OutboxEntry(receipt.Id, Peer, receipt.ToJson(), now, 0, now)));
        }
    }

    /// <summary>A receipt from the peer for controls it fetched from its mailbox: each id counts as acknowledged.</summary>
    private async Task ApplyMailboxReceiptAsync(ExtensionControl control, InboundBatch batch, CancellationToken cancellationToken)
    {
        MailboxReceipt? receipt;
        try
        {
            receipt = System.Text.Json.JsonSerializer.Deserialize(control.Body, MailboxJsonContext.Default.MailboxReceipt);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new MessagingException(MessagingError.MalformedControl, "A mailbox receipt is not valid.", ex);
        }

        if (receipt?.Ids is not { Count: <= MailboxReceipt.MaxIds } ids || ids.Any(id => id is not { Length: > 0 and <= Control.MaxIdLength }))
        {
            throw new MessagingException(MessagingError.MalformedControl, "A mailbox receipt is not valid.");
        }

        foreach (var id in ids)
        {
            if (batch.SeenIds.Add("ack:" + id))
            {
                await ApplyAcknowledgementAsync(id, batch.Operations, batch.Events, cancellationToken).ConfigureAwait(false);
                await _rt.Controls.AcknowledgedAsync(Peer, id, batch.Operations, batch.Events, batch.AfterCommit, cancellationToken).ConfigureAwait(false);
            }

            if (_pending.TryRemove(id, out var acked))
            {
                batch.Acked.Add(acked);
            }
        }
    }
}
