using System.Net.Quic;
using System.Runtime.Versioning;

namespace IrohSocial.Transport.Internal.Quic;

/// <summary>Maps System.Net.Quic failures onto <see cref="TransportException"/>.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
internal static class QuicErrors
{
    // QUIC carries TLS alerts as CRYPTO_ERROR 0x100 + alert; 120 = no_application_protocol.
    private const long NoApplicationProtocol = 0x100 + 120;

    /// <summary>
    /// Whether a failed QUIC handshake was the server refusing our ALPN. msquic's QUIC_STATUS_ALPN_NEG_FAILURE reaches us
    /// only as an <see cref="System.Security.Authentication.AuthenticationException"/> whose message names it (no
    /// status or alert code is exposed), so the message is the only signal.
    /// </summary>
    public static bool IsAlpnRefusal(Exception ex) =>
        ex.Message.Contains("protocol negotiation", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("ALPN", StringComparison.Ordinal)
        || ex.Message.Contains("no_application_protocol", StringComparison.OrdinalIgnoreCase);

    public static TransportException Map(QuicException ex)
    {
        switch (ex.QuicError)
        {
            case QuicError.ConnectionAborted:
                var (error, appCode) = CloseCodes.Interpret(ex.ApplicationErrorCode ?? 0);
                return new TransportException(error, $"The connection was closed by the peer ({error}, code {appCode}).", appCode, ex);
            case QuicError.StreamAborted:
                return new TransportException(TransportError.StreamAborted, $"The stream was aborted by the peer with code {ex.ApplicationErrorCode}.", ex.ApplicationErrorCode, ex);
            case QuicError.ConnectionIdle:
                return new TransportException(TransportError.IdleTimeout, "The connection was idle for too long.", innerException: ex);
            case QuicError.ConnectionTimeout:
                return new TransportException(TransportError.HandshakeTimeout, "The QUIC handshake or connection timed out.", innerException: ex);
            case QuicError.ConnectionRefused:
                return new TransportException(TransportError.ConnectionRefused, ex.Message, innerException: ex);
            case QuicError.OperationAborted:
                return new TransportException(TransportError.ConnectionClosed, "The connection was closed by this endpoint.", innerException: ex);
            case QuicError.TransportError when ex.TransportErrorCode == NoApplicationProtocol:
                return new TransportException(TransportError.AlpnNotSupported, "The peer does not accept the requested ALPN.", innerException: ex);
            case QuicError.TransportError:
                return new TransportException(TransportError.HandshakeFailed, $"QUIC transport error {ex.TransportErrorCode}.", innerException: ex);
            default:
                return new TransportException(TransportError.ConnectionLost, ex.Message, innerException: ex);
        }
    }
}
