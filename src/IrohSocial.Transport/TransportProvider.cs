namespace IrohSocial.Transport;

/// <summary>Which network stack carries connections.</summary>
public enum TransportProvider
{
    /// <summary>QUIC when <c>QuicListener.IsSupported</c> (libmsquic present), otherwise TLS 1.3 over TCP. The choice is logged.</summary>
    Auto = 0,

    /// <summary>QUIC via System.Net.Quic (msquic). Binding fails when QUIC is not supported on this machine.</summary>
    Quic = 1,

    /// <summary>TLS 1.3 over TCP (SslStream) with Nerdbank.Streams' MultiplexingStream (protocol v3) for streams.</summary>
    TcpTls = 2,
}
