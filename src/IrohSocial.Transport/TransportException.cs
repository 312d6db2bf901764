namespace IrohSocial.Transport;

/// <summary>
/// The one exception type of the transport layer. Caller cancellation is never wrapped: it stays an
/// <see cref="OperationCanceledException"/>; internal timeouts become <see cref="TransportError.HandshakeTimeout"/>
/// or <see cref="TransportError.IdleTimeout"/>.
/// </summary>
public sealed class TransportException : Exception
{
    /// <summary>Creates an exception with an error kind and message.</summary>
    public TransportException(TransportError error, string message, long? applicationErrorCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
        ApplicationErrorCode = applicationErrorCode;
    }

    /// <summary>What went wrong.</summary>
    public TransportError Error { get; }

    /// <summary>
    /// The application error code of a close (<see cref="TransportError.ConnectionClosed"/>) or an abort
    /// (<see cref="TransportError.StreamAborted"/>), when the peer or the local side gave one.
    /// </summary>
    public long? ApplicationErrorCode { get; }
}
