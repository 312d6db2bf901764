using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

internal sealed partial class PeerChannel
{
    /// <summary>
    /// Serves an envelope stream the peer opened: one response per envelope, in order. Returns normally when the
    /// peer ends the stream; throws <see cref="MessagingException"/> for input that forces the stream closed.
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

            var envelope = EncryptedEnvelope.Parse(frame, out var sender);
            if (sender != Peer)
            {
                throw new MessagingException(MessagingError.SenderMismatch, $"The envelope claims sender {sender.ToShortString()} on a connection proven to be {Peer.ToShortString()}.");
            }

            var response = await ProcessEnvelopeAsync(envelope, cancellationToken).ConfigureAwait(false);
            await FrameCodec.WriteFrameAsync(stream, response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Decrypts, applies and acknowledges one envelope. The advanced session, the control's effects and the
    /// session advanced again by encrypting the acknowledgement are committed in one batch before the
    /// acknowledgement leaves; a crash before that commit makes the peer retry, and duplicates are dropped by id.
    /// </summary>
    private async Task<byte[]> ProcessEnvelopeAsync(EncryptedEnvelope envelope, CancellationToken cancellationToken)
    {
        var events = new List<DmEvent>();
        byte[] response;
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
            if (!session.TryDecrypt(FromEnvelope(envelope), out var plaintext, out var reset))
            {
                Log.DecryptFailed(_rt.Logger, Peer);
                return new ResponseError(ResponseError.DecryptFailed).ToJson();
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
            await ApplyControlAsync(control, operations, events, cancellationToken).ConfigureAwait(false);
            var ack = new DeliveredControl(_rt.NewId(), control.Id);
            response = ToEnvelope(session.Encrypt(ack.ToJson())).ToJson();
            operations[0] = new SaveSession(Peer, session.Serialize());
            await CommitAsync(operations, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sessionLock.Release();
        }

        foreach (var dmEvent in events)
        {
            _rt.Raise(dmEvent);
        }

        return response;
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
                    if (await store.GetMessageAsync(id, cancellationToken).ConfigureAwait(false) is { Direction: MessageDirection.Outgoing } mine && mine.Peer == Peer)
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

            case DeliveredControl:
                Log.IgnoredControl(_rt.Logger, "delivered", Peer, "acknowledgements belong on the response path");
                break;
        }
    }
}
