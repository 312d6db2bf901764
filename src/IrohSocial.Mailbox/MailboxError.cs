namespace IrohSocial.Mailbox;

/// <summary>What went wrong in a <see cref="MailboxException"/>.</summary>
public enum MailboxError
{
    /// <summary>The mailbox host could not be reached or the connection broke before its answer.</summary>
    Unreachable = 1,

    /// <summary>The mailbox refused the request; <see cref="MailboxException.Refusal"/> says why.</summary>
    Refused = 2,

    /// <summary>The other side sent something that is not the mailbox protocol (or too large).</summary>
    ProtocolViolation = 3,
}

/// <summary>The one exception type of IrohSocial.Mailbox.</summary>
public sealed class MailboxException : Exception
{
    /// <summary>Creates an exception with an error code.</summary>
    public MailboxException(MailboxError error, string message, Exception? innerException = null)
        : base(message, innerException) => Error = error;

    /// <summary>Creates a <see cref="MailboxError.Refused"/> exception.</summary>
    public MailboxException(MailboxRefusal refusal, string message)
        : base(message)
    {
        Error = MailboxError.Refused;
        Refusal = refusal;
    }

    /// <summary>The error code.</summary>
    public MailboxError Error { get; }

    /// <summary>Why the mailbox refused, when <see cref="Error"/> is <see cref="MailboxError.Refused"/>.</summary>
    public MailboxRefusal? Refusal { get; }
}
