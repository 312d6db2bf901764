using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging;

/// <summary>
/// Base of everything <see cref="DmClient"/> reports; <see cref="DmClient.Events"/> yields these. Only the SDK derives
/// from it (the constructor is not public), so an app's <c>switch</c> over the kinds here is complete.
/// </summary>
public abstract record DmEvent
{
    private protected DmEvent(EndpointId peer) => Peer = peer;

    /// <summary>The other side of the conversation.</summary>
    public EndpointId Peer { get; init; }
}

/// <summary>A new message arrived (duplicates are never reported).</summary>
public sealed record MessageReceivedEvent(EndpointId Peer, StoredMessage Message) : DmEvent(Peer);

/// <summary>The peer acknowledged one of our messages.</summary>
public sealed record MessageDeliveredEvent(EndpointId Peer, string MessageId) : DmEvent(Peer);

/// <summary>
/// One of our messages could not reach the peer and was left in the peer's mailbox instead (status
/// <see cref="MessageStatus.Deposited"/>); <see cref="MessageDeliveredEvent"/> follows once the peer fetched it.
/// </summary>
public sealed record MessageDepositedEvent(EndpointId Peer, string MessageId) : DmEvent(Peer);

/// <summary>The peer read some of our messages.</summary>
public sealed record MessageReadEvent(EndpointId Peer, IReadOnlyList<string> MessageIds) : DmEvent(Peer);

/// <summary>The peer is typing.</summary>
public sealed record TypingEvent(EndpointId Peer) : DmEvent(Peer);

/// <summary>The peer deleted a message of the conversation; it is gone locally too.</summary>
public sealed record MessageDeletedEvent(EndpointId Peer, string MessageId) : DmEvent(Peer);

/// <summary>
/// The encrypted session with the peer was re-established (the peer lost its state, e.g. reinstalled). Apps
/// should tell the user, as Signal does, since the peer's device may have changed.
/// </summary>
public sealed record SessionResetEvent(EndpointId Peer) : DmEvent(Peer);

/// <summary>An attachment's bytes arrived and matched their announced hash.</summary>
/// <param name="Peer">The sender.</param>
/// <param name="MessageId">The message the attachment belongs to.</param>
/// <param name="Attachment">Its metadata.</param>
/// <param name="Path">The sealed file that holds the verified bytes (not plaintext: read them with
/// <see cref="DmClient.OpenAttachmentAsync"/>).</param>
public sealed record AttachmentReceivedEvent(EndpointId Peer, string MessageId, MediaAttachment Attachment, string Path) : DmEvent(Peer);
