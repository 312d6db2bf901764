using IrohSocial.Messaging.Internal;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    /// <summary>A new message arrived.</summary>
    public event EventHandler<MessageReceivedEvent>? MessageReceived;

    /// <summary>The peer acknowledged one of our messages.</summary>
    public event EventHandler<MessageDeliveredEvent>? MessageDelivered;

    /// <summary>The peer read some of our messages.</summary>
    public event EventHandler<MessageReadEvent>? MessageRead;

    /// <summary>The peer is typing.</summary>
    public event EventHandler<TypingEvent>? Typing;

    /// <summary>The peer deleted a message of the conversation.</summary>
    public event EventHandler<MessageDeletedEvent>? MessageDeleted;

    /// <summary>The session with a peer was re-established (the peer lost its state).</summary>
    public event EventHandler<SessionResetEvent>? SessionReset;

    /// <summary>An attachment's bytes arrived and were verified.</summary>
    public event EventHandler<AttachmentReceivedEvent>? AttachmentReceived;

    /// <summary>
    /// Every event as one stream, in the order raised. The subscription starts when this method is called;
    /// each call has its own unbounded buffer, so enumerate it promptly. Ends when the client is disposed.
    /// </summary>
    public IAsyncEnumerable<DmEvent> Events(CancellationToken cancellationToken = default) => _hub.Subscribe(cancellationToken);

    private void Raise(DmEvent dmEvent)
    {
        try
        {
            switch (dmEvent)
            {
                case MessageReceivedEvent e: MessageReceived?.Invoke(this, e); break;
                case MessageDeliveredEvent e: MessageDelivered?.Invoke(this, e); break;
                case MessageReadEvent e: MessageRead?.Invoke(this, e); break;
                case TypingEvent e: Typing?.Invoke(this, e); break;
                case MessageDeletedEvent e: MessageDeleted?.Invoke(this, e); break;
                case SessionResetEvent e: SessionReset?.Invoke(this, e); break;
                case AttachmentReceivedEvent e: AttachmentReceived?.Invoke(this, e); break;
                case Groups.GroupEvent e: RaiseGroupEvent(e); break;
            }
        }
        catch (Exception ex)
        {
            // App code must not break the protocol loops that raise events.
            Log.HandlerFailed(_logger, ex);
        }

        _hub.Publish(dmEvent);
    }
}
