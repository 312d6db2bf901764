namespace IrohSocial.Mailbox;

/// <summary>Why a mailbox refused a request (the reason byte of a refused answer, docs/protocol.md section 12).</summary>
public enum MailboxRefusal : byte
{
    /// <summary>The owner does not accept deposits from this identity.</summary>
    NotAllowed = 1,

    /// <summary>The blob is larger than the host's limit.</summary>
    TooLarge = 2,

    /// <summary>A quota is full: the owner's, this depositor's share of it, or the host's total.</summary>
    Quota = 3,

    /// <summary>Too many deposits from this identity in a short time; try again later.</summary>
    Rate = 4,

    /// <summary>This host keeps no mailbox for that owner (deposit) or for the asking identity (owner operations).</summary>
    NoMailbox = 5,

    /// <summary>The request is malformed.</summary>
    BadRequest = 6,
}
