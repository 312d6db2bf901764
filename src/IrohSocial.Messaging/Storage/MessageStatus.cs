namespace IrohSocial.Messaging.Storage;

/// <summary>Life cycle of a stored message.</summary>
public enum MessageStatus
{
    /// <summary>Outgoing and waiting in the outbox for the peer's acknowledgement.</summary>
    Pending = 0,

    /// <summary>Outgoing and acknowledged by the peer, or incoming and not yet read locally.</summary>
    Delivered = 1,

    /// <summary>Outgoing and reported read by the peer, or incoming and marked read locally.</summary>
    Read = 2,

    /// <summary>
    /// Outgoing, and left in the peer's mailbox because the peer could not be reached; it turns
    /// <see cref="Delivered"/> when the peer's receipt arrives (after it fetched the message).
    /// </summary>
    Deposited = 3,
}
