using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

internal sealed partial class PeerChannel
{
    /// <summary>
    /// Reads an envelope stream the peer opened, in order. Acknowledgements and decrypt_failed answers go out on
    /// our own link. Returns when the peer ends the stream; throws <see cref="MessagingException"/> for input that
    /// forces the stream closed.
    /// </summary>
    public async Task ServeEnvelopeStreamAsync(Stream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var frame = await FrameCodec.ReadFrameAsync(stream, _rt.Options.MaxFrameSize, cancellationToken).ConfigureAwait(false);
            if (frame is null)
            {
                return;
            }

            if (ResponseError.TryParse(frame) is { } error)
            {
                await HandleErrorFrameAsync(error, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var envelope = EncryptedEnvelope.Parse(frame, out var sender);
            if (sender != Peer)
            {
                throw new MessagingException(MessagingError.SenderMismatch, $"The envelope claims sender {sender.ToShortString()} on a connection proven to be {Peer.ToShortString()}.");
            }

            await ProcessEnvelopeAsync(envelope, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HandleErrorFrameAsync(ResponseError error, CancellationToken cancellationToken)
    {
        if (error.Error != ResponseError.DecryptFailed || error.RatchetKey is null)
        {
            return;
        }

        int generation;
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Only an envelope of the current session proves the peer lost it; older ones are stale news.
            if (!_keyGenerations.TryGetValue(Convert.ToBase64String(error.RatchetKey), out generation) || generation != _sessionGeneration)
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

    /// <summary>
    /// Decrypts and applies one envelope. For a control other than an acknowledgement, the advanced session, the
    /// control's effects and the session advanced again by encrypting our acknowledgement are committed in one
    /// batch, then the acknowledgement is queued. A crash before that commit makes the peer retry; duplicates are
    /// dropped by id and acknowledged again.
    /// </summary>
    private async Task ProcessEnvelopeAsync(EncryptedEnvelope envelope, CancellationToken cancellationToken)
    {
        OutboundLink? link = null;
        try
        {
            link = await GetLinkAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingException)
        {
            // We cannot answer right now; the control is still applied and the peer's retry gets the answer.
        }

        var events = new List<DmEvent>();
        PendingSend? acked = null;
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
            if (!session.TryDecrypt(FromEnvelope(envelope), out var plaintext, out var reset))
            {
                Log.DecryptFailed(_rt.Logger, Peer);
                link?.TryEnqueue(new ResponseError(ResponseError.DecryptFailed, envelope.RatchetKey, envelope.MessageNumber).ToJson());
                return;
            }

            if (reset)
            {
                _sessionGeneration++;
                Log.SessionReset(_rt.Logger, Peer, "the peer started a new session");
                events.Add(new SessionResetEvent(Peer));
            }

            Control control;
            try
            {
                control = Control.Parse(plaintext);
            }
            catch (MessagingException)
            {
                // Authentic but meaningless: keep the advanced session, then close the stream.
                await CommitAsync([new SaveSession(Peer, session.Serialize())], cancellationToken).ConfigureAwait(false);
                throw;
            }

            var operations = new List<StoreOperation> { new SaveSession(Peer, []) };
            if (control is DeliveredControl ack)
            {
                await ApplyAcknowledgementAsync(ack, operations, events, cancellationToken).ConfigureAwait(false);
                operations[0] = new SaveSession(Peer, session.Serialize());
                await CommitAsync(operations, cancellationToken).ConfigureAwait(false);
                _pending.TryRemove(ack.AckedId, out acked);
            }
            else
            {
                await ApplyControlAsync(control, operations, events, cancellationToken).ConfigureAwait(false);
                var frame = Seal(session, new DeliveredControl(_rt.NewId(), control.Id));
                operations[0] = new SaveSession(Peer, session.Serialize());
                await CommitAsync(operations, cancellationToken).ConfigureAwait(false);
                link?.TryEnqueue(frame);
            }
        }
        finally
        {
            _sessionLock.Release();
        }

        acked?.Acked.TrySetResult();
        foreach (var dmEvent in events)
        {
            _rt.Raise(dmEvent);
        }
    }

    private async Task ApplyAcknowledgementAsync(DeliveredControl ack, List<StoreOperation> operations, List<DmEvent> events, CancellationToken cancellationToken)
    {
        operations.Add(new RemoveOutbox(ack.AckedId));
        if (await _rt.Store.GetMessageAsync(ack.AckedId, cancellationToken).ConfigureAwait(false) is { Direction: MessageDirection.Outgoing, Status: MessageStatus.Pending } mine
            && mine.Peer == Peer)
        {
            operations.Add(new SetMessageStatus(ack.AckedId, MessageStatus.Delivered));
            events.Add(new MessageDeliveredEvent(Peer, ack.AckedId));
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

                if (await store.ContainsMessageAsync(m.Id, cancellationToken).ConfigureAwait(false))
                {
                    Log.DuplicateDropped(_rt.Logger, m.Id, Peer);
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
                    if (await store.GetMessageAsync(id, cancellationToken).ConfigureAwait(false) is { Direction: MessageDirection.Outgoing, Status: not MessageStatus.Read } mine
                        && mine.Peer == Peer)
                    {
                        operations.Add(new SetMessageStatus(id, MessageStatus.Read));
                        read.Add(id);
                    }
                }

                if (read.Count > 0)
                {
                    events.Add(new MessageReadEvent(Peer, read));
                }

                break;

            case DeleteControl d:
                var target = await store.GetMessageAsync(d.MessageId, cancellationToken).ConfigureAwait(false);
                if (target is not null && target.Peer != Peer)
                {
                    Log.IgnoredControl(_rt.Logger, "delete", Peer, "the message belongs to another conversation");
                    return;
                }

                // Unknown ids are tombstoned too: the delete may overtake the message it deletes.
                operations.Add(new RemoveMessage(d.MessageId));
                operations.Add(new RemoveOutbox(d.MessageId));
                if (target is not null)
                {
                    events.Add(new MessageDeletedEvent(Peer, d.MessageId));
                }

                break;

            case CallControl c:
                events.Add(new CallSignalReceivedEvent(Peer, new CallSignal(c.CallId, c.Kind, c.AudioCodec, c.Video, c.MediaKey, c.Reason, c.Candidate)));
                break;

        }
    }
}
