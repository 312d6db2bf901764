namespace IrohSocial.Transport;

/// <summary>Which network stack carries connections.</summary>
public enum TransportProvider
{
    /// <summary>
    /// Where <c>QuicListener.IsSupported</c> (libmsquic present): QUIC and TLS 1.3 over TCP side by side on the same port
    /// number, dials racing QUIC first, so peers with and without QUIC reach each other. Elsewhere TLS 1.3 over TCP
    /// only. The choice is logged.
    /// </summary>
    Auto = 0,

    /// <summary>QUIC via System.Net.Quic (msquic) only. Binding fails when QUIC is not supported on this machine.</summary>
    Quic = 1,

    /// <summary>TLS 1.3 over TCP (SslStream) with Nerdbank.Streams' MultiplexingStream (protocol v3) for streams, only.</summary>
    TcpTls = 2,
}
