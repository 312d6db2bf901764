using System.Threading.Channels;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

internal sealed partial class PeerChannel
{
    /// <summary>Most frames applied in one store batch (group commit).</summary>
    private const int MaxBatch = 128;

    /// <summary>
    /// Reads an envelope stream the peer opened, in order. Frames that are already waiting are processed as one
    /// group: one session lock, one store batch, then their acknowledgements are queued on our own link. Returns
    /// when the peer ends the stream, or after <paramref name="stopReading"/> once the frames already read are
    /// processed (a frame cut off there was never acknowledged, so its sender sends it again); throws
    /// <see cref="MessagingException"/> for input that forces it closed.
    /// </summary>
    public async Task ServeEnvelopeStreamAsync(Stream stream, CancellationToken cancellationToken, CancellationToken stopReading = default)
    {
        var frames = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MaxBatch * 2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopReading);
        var reader = Task.Run(async () =>
        {
            try
            {
                while (await FrameCodec.ReadFrameAsync(stream, _rt.Options.MaxFrameSize, stop.Token).ConfigureAwait(false) is { } frame)
                {
                    await frames.Writer.WriteAsync(frame, stop.Token).ConfigureAwait(false);
                }

                frames.Writer.TryComplete();
            }
            catch (OperationCanceledException) when (stopReading.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                frames.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                frames.Writer.TryComplete(ex);
            }
        }, CancellationToken.None);

        try
        {
            var batch = new List<byte[]>(MaxBatch);
            while (await frames.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && frames.Reader.TryRead(out var frame))
                {
                    batch.Add(frame);
                }

                await ProcessFramesAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Decrypts and applies a group of frames in order. For every control other than an acknowledgement, our
    /// acknowledgement is encrypted right away; the advanced session, all effects and all acknowledgements'
    /// ratchet steps are committed in one batch before any acknowledgement is queued. A crash before that commit
    /// makes the peer retry; duplicates are dropped by id and acknowledged again. A frame that must close the
    /// stream first lets the group before it commit, then throws.
    /// </summary>
    private async Task<bool> ProcessFramesAsync(List<byte[]> frames, CancellationToken cancellationToken, bool fromMailbox = false)
    {
        OutboundLink? link = null;
        try
        {
            // Frames from our mailbox are answered through the outbox instead (the sender is away).
            link = fromMailbox ? null : await GetLinkAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingException)
        {
            // We cannot answer right now; controls are still applied and the peer's retry gets the answers.
        }

        var batch = new InboundBatch { FromMailbox = fromMailbox };
        var staleErrors = new List<ResponseError>();
        Exception? closeStream = null;
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var frame in frames)
            {
                if (ResponseError.TryParse(frame) is { } error)
                {
                    if (!fromMailbox)
                    {
                        staleErrors.Add(error);
                    }

                    continue;
                }

                try
                {
                    var envelope = EncryptedEnvelope.Parse(frame, out var sender);
                    if (sender != Peer)
                    {
                        throw new MessagingException(MessagingError.SenderMismatch, $"The envelope claims sender {sender.ToShortString()} on a connection proven to be {Peer.ToShortString()}.");
                    }

                    await ProcessEnvelopeAsync(session, envelope, batch, cancellationToken).ConfigureAwait(false);
                }
                catch (MessagingException ex)
                {
                    closeStream = ex;
                    break;
                }
            }

            // One acknowledgement names every control of the group, in arrival order.
            if (fromMailbox)
            {
                QueueMailboxReceipts(batch);
            }
            else
            {
                foreach (var ids in batch.ToAcknowledge.Chunk(MaxBatch))
                {
                    batch.Answers.Add(Seal(session, new DeliveredControl(_rt.NewId(), ids)));
                }
            }

            if (batch.Operations.Count > 0 || batch.SessionChanged)
            {
                batch.Operations.Insert(0, new SaveSession(Peer, session.Serialize()));
                await CommitAsync(batch.Operations, cancellationToken).ConfigureAwait(false);
            }

            link = link is null ? null : CurrentIfRetired(link);
            foreach (var answer in batch.Answers)
            {
                link?.TryEnqueue(answer);
            }
        }
        catch
        {
            // Whatever failed (a store read, the commit, a bug), the cached session may be ahead of the stored one:
            // drop it so the next use reloads what was committed, and the peer's retry still decrypts.
            InvalidateSession();

            // Handlers may have acted on effects that will never be committed.
            RunAfterCommit(batch.AfterFailure);
            throw;
        }
        finally
        {
            _sessionLock.Release();
        }

        foreach (var pending in batch.Acked)
        {
            pending.Acked.TrySetResult();
        }

        foreach (var dmEvent in batch.Events)
        {
            _rt.Raise(dmEvent);
        }

        RunAfterCommit(batch.AfterCommit);
        if (fromMailbox && batch.ToAcknowledge.Count > 0)
        {
            Wake();
        }

        foreach (var error in staleErrors)
        {
            await HandleErrorFrameAsync(error, cancellationToken).ConfigureAwait(false);
        }

        if (closeStream is not null)
        {
            throw closeStream;
        }

        return batch.SessionChanged;
    }

    /// <summary>What one group of frames does: store operations, answers to queue, events and acknowledged sends.</summary>
    private sealed class InboundBatch
    {
        public List<StoreOperation> Operations { get; } = [];

        public List<byte[]> Answers { get; } = [];

        public List<string> ToAcknowledge { get; } = [];

        public List<DmEvent> Events { get; } = [];

        public List<PendingSend> Acked { get; } = [];

        public List<Action> AfterCommit { get; } = [];

        public List<Action> AfterFailure { get; } = [];

        public HashSet<string> SeenIds { get; } = new(StringComparer.Ordinal);

        public bool SessionChanged { get; set; }

        /// <summary>The frames came from our mailbox, not from the peer's stream.</summary>
        public bool FromMailbox { get; init; }
    }

    private async Task ProcessEnvelopeAsync(PeerSession session, EncryptedEnvelope envelope, InboundBatch batch, CancellationToken cancellationToken)
    {
        if (!session.TryDecrypt(FromEnvelope(envelope), out var plaintext, out var reset))
        {
            Log.DecryptFailed(_rt.Logger, Peer);
            _rt.Telemetry.DecryptFailed(batch.FromMailbox);
            // Only "we do not have that session" asks the peer to start over; replays and tampering are dropped.
            if (session.LastFailureMeansLostState && !batch.FromMailbox)
            {
                batch.Answers.Add(ResponseError.CreateDecryptFailed(_rt.LocalKey, Peer, envelope.RatchetKey, envelope.MessageNumber).ToJson());
            }

            return;
        }

        batch.SessionChanged = true;
        _rt.Telemetry.EnvelopeReceived(batch.FromMailbox);
        if (reset)
        {
            _sessionGeneration++;
            Log.SessionReset(_rt.Logger, Peer, "the peer started a new session");
            batch.Events.Add(new SessionResetEvent(Peer));
        }

        // Authentic but meaningless input throws here; the session advance is still committed with the group.
        var control = Control.Parse(plaintext);
        if (control is DeliveredControl ack)
        {
            foreach (var ackedId in ack.AckedIds)
            {
                if (batch.SeenIds.Add("ack:" + ackedId))
                {
                    await ApplyAcknowledgementAsync(ackedId, batch.Operations, batch.Events, cancellationToken).ConfigureAwait(false);
                    await _rt.Controls.AcknowledgedAsync(Peer, ackedId, batch.Operations, batch.Events, batch.AfterCommit, cancellationToken).ConfigureAwait(false);
                }

                if (_pending.TryRemove(ackedId, out var acked))
                {
                    batch.Acked.Add(acked);
                }
            }

            return;
        }

        if (batch.SeenIds.Add(control.Id))
        {
            if (control is ExtensionControl { Kind: "mailbox.delivered" } receipt)
            {
                await ApplyMailboxReceiptAsync(receipt, batch, cancellationToken).ConfigureAwait(false);
            }
            else if (control is ExtensionControl extension)
            {
                await DispatchExtensionAsync(extension, batch, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ApplyControlAsync(control, batch.Operations, batch.Events, cancellationToken).ConfigureAwait(false);
            }
        }

        // A receipt that came through the mailbox is not answered: its sender considered it done once deposited,
        // and answering it with another receipt would bounce receipts between the two mailboxes forever.
        if (!(batch.FromMailbox && control is ExtensionControl { Kind: "mailbox.delivered" }))
        {
            batch.ToAcknowledge.Add(control.Id);
        }
    }

    private async Task HandleErrorFrameAsync(ResponseError error, CancellationToken cancellationToken)
    {
        if (error.Error != ResponseError.DecryptFailed)
        {
            return;
        }

        if (!error.IsSignedDecryptFailed(Peer, _rt.LocalId))
        {
            Log.UnsignedDecryptFailed(_rt.Logger, Peer);
            return;
        }

        int generation;
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Only an envelope of the current session proves the peer lost it; older ones are stale news.
            if (!_keyGenerations.TryGetValue(Convert.ToBase64String(error.RatchetKey!), out generation) || generation != _sessionGeneration)
            {
                return;
            }
        }
        finally
        {
            _sessionLock.Release();
        }

        await ResetSessionAsync(generation, "the peer could not decrypt; it probably lost its state", cancellationToken).ConfigureAwait(false);
    }

    private async Task ApplyAcknowledgementAsync(string ackedId, List<StoreOperation> operations, List<DmEvent> events, CancellationToken cancellationToken)
    {
        // Scoped by peer: an acknowledgement can only clear what was queued for the peer that sent it.
        operations.Add(new RemoveOutbox(Peer, ackedId));
        if (await _rt.Store.GetMessageInfoAsync(ackedId, cancellationToken).ConfigureAwait(false) is { Direction: MessageDirection.Outgoing, Status: MessageStatus.Pending or MessageStatus.Deposited } mine
            && mine.Peer == Peer)
        {
            operations.Add(new SetMessageStatus(Peer, ackedId, MessageStatus.Delivered));
            events.Add(new MessageDeliveredEvent(Peer, ackedId));
        }
    }

    private async Task ApplyControlAsync(Control control, List<StoreOperation> operations, List<DmEvent> events, CancellationToken cancellationToken)
    {
        var store = _rt.Store;
        switch (control)
        {
            case MessageControl m:
                if (m.Content.Length > _rt.Options.MaxMessageLength)
                {
                    Log.IgnoredControl(_rt.Logger, "message", Peer, "content over the length limit");
                    return;
                }

                // Duplicates too: the retry of a message may be followed by the upload its first copy never got.
                ExpectAttachments(m);

                if (await store.ContainsMessageAsync(Peer, m.Id, cancellationToken).ConfigureAwait(false))
                {
                    Log.DuplicateDropped(_rt.Logger, m.Id, Peer);
                    return;
                }

                if (await store.GetMessageInfoAsync(m.Id, cancellationToken).ConfigureAwait(false) is { } taken && taken.Peer != Peer)
                {
                    Log.IgnoredControl(_rt.Logger, "message", Peer, "its id is taken by another conversation");
                    return;
                }

                var attachments = (m.Attachments ?? []).Select(a => new MediaAttachment(a.Id, a.Name, a.MimeType, a.Size, a.Sha256)).ToList();
                var message = new StoredMessage(m.Id, Peer, MessageDirection.Incoming, m.Content, DateTimeOffset.FromUnixTimeMilliseconds(m.TimestampMs),
                    m.ReplyTo, attachments, MessageStatus.Delivered);
                operations.Add(new InsertMessage(message));
                events.Add(new MessageReceivedEvent(Peer, message));
                break;

            case TypingControl:
                events.Add(new TypingEvent(Peer));
                break;

            case ReadControl r:
                var read = new List<string>();
                foreach (var id in r.MessageIds.Distinct())
                {
                    // Already-read ones are skipped, so a duplicate receipt raises nothing.
                    if (await store.GetMessageInfoAsync(id, cancellationToken).ConfigureAwait(false) is { Direction: MessageDirection.Outgoing, Status: not MessageStatus.Read } mine
                        && mine.Peer == Peer)
                    {
                        operations.Add(new SetMessageStatus(Peer, id, MessageStatus.Read));
                        read.Add(id);
                    }
                }

                if (read.Count > 0)
                {
                    events.Add(new MessageReadEvent(Peer, read));
                }

                break;

            case DeleteControl d:
                var target = await store.GetMessageInfoAsync(d.MessageId, cancellationToken).ConfigureAwait(false);
                if (target is not null && target.Peer != Peer)
                {
                    Log.IgnoredControl(_rt.Logger, "delete", Peer, "the message belongs to another conversation");
                    return;
                }

                // Unknown ids are tombstoned too, for this peer only: the delete may overtake the message it deletes.
                operations.Add(new RemoveMessage(Peer, d.MessageId));
                operations.Add(new RemoveOutbox(Peer, d.MessageId));
                if (target is not null)
                {
                    events.Add(new MessageDeletedEvent(Peer, d.MessageId));
                }

                break;


        }
    }
}
