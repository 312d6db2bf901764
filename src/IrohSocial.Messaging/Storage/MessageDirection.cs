namespace IrohSocial.Messaging.Storage;

/// <summary>Whether a stored message was written by the local user or received from the peer.</summary>
public enum MessageDirection
{
    /// <summary>Sent by the local user.</summary>
    Outgoing = 0,

    /// <summary>Received from the peer.</summary>
    Incoming = 1,
}
