namespace IrohSocial.Crypto;

/// <summary>
/// The one exception type of the ratchet. Expected failures (tampered, replayed or foreign messages)
/// are not exceptions: <see cref="PeerSession.TryDecrypt"/> returns <see langword="false"/> for them.
/// </summary>
public sealed class RatchetException : Exception
{
    /// <summary>Creates an exception for <paramref name="error"/>.</summary>
    public RatchetException(RatchetError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>Creates an exception with the default message of <see cref="RatchetError.InvalidState"/>.</summary>
    public RatchetException()
        : this(RatchetError.InvalidState, "Invalid ratchet session state.")
    {
    }

    /// <summary>Creates an exception with <see cref="RatchetError.InvalidState"/>.</summary>
    public RatchetException(string message)
        : this(RatchetError.InvalidState, message)
    {
    }

    /// <summary>Creates an exception with <see cref="RatchetError.InvalidState"/> wrapping <paramref name="innerException"/>.</summary>
    public RatchetException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = RatchetError.InvalidState;
    }

    /// <summary>What went wrong.</summary>
    public RatchetError Error { get; }
}
