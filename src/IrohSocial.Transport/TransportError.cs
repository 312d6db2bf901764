namespace IrohSocial.Transport;

/// <summary>Why a transport operation failed; carried by <see cref="TransportException"/>.</summary>
public enum TransportError
{
    /// <summary>An unexpected internal failure.</summary>
    InternalError = 0,

    /// <summary>No direct address of the peer accepted a connection.</summary>
    ConnectionRefused = 1,

    /// <summary>The TLS handshake (or the transport preface after it) failed.</summary>
    HandshakeFailed = 2,

    /// <summary>The handshake did not finish within <see cref="EndpointOptions.HandshakeTimeout"/>.</summary>
    HandshakeTimeout = 3,

    /// <summary>The peer's identity certificate is missing, malformed or its ed25519 signature is invalid.</summary>
    PeerVerificationFailed = 4,

    /// <summary>The peer proved an identity other than the one that was dialed.</summary>
    EndpointIdMismatch = 5,

    /// <summary>The peer does not accept the requested ALPN.</summary>
    AlpnNotSupported = 6,

    /// <summary>The connection was closed by either side; see <see cref="TransportException.ApplicationErrorCode"/>.</summary>
    ConnectionClosed = 7,

    /// <summary>The underlying transport failed (reset, end of stream) without a close.</summary>
    ConnectionLost = 8,

    /// <summary>No traffic arrived within <see cref="EndpointOptions.IdleTimeout"/>.</summary>
    IdleTimeout = 9,

    /// <summary>The stream was aborted by either side; see <see cref="TransportException.ApplicationErrorCode"/>.</summary>
    StreamAborted = 10,

    /// <summary>The peer opened more streams than it was allowed to.</summary>
    StreamLimitExceeded = 11,

    /// <summary>The peer refused the connection because of its connection limits.</summary>
    ConnectionLimitExceeded = 12,

    /// <summary>The peer sent bytes that break the transport protocol.</summary>
    ProtocolViolation = 13,

    /// <summary>A length-prefixed frame exceeded the configured maximum size.</summary>
    FrameTooLarge = 14,

    /// <summary>The local endpoint has been disposed.</summary>
    EndpointClosed = 15,

    /// <summary>The relay answered that the dialed id is not registered there (it is offline or unknown).</summary>
    PeerNotFound = 16,

    /// <summary>The relay refused the request; <see cref="TransportException.ApplicationErrorCode"/> holds its reason code (docs/protocol.md section 10).</summary>
    RelayRefused = 17,
}
