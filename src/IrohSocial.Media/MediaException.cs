namespace IrohSocial.Media;

/// <summary>The one exception type of IrohSocial.Media; <see cref="Error"/> says what went wrong.</summary>
public sealed class MediaException : Exception
{
    /// <summary>Creates an exception with an error code and message.</summary>
    /// <param name="error">What went wrong.</param>
    /// <param name="message">A human-readable description.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public MediaException(MediaError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>What went wrong.</summary>
    public MediaError Error { get; }
}
