namespace IrohSocial.Transport;

/// <summary>Which path carries a connection to its peer. One endpoint can listen and dial on several at once.</summary>
public enum ConnectionPath
{
    /// <summary>QUIC over UDP (System.Net.Quic, msquic): streams are delivered independently of each other.</summary>
    Quic = 1,

    /// <summary>TLS 1.3 over a direct TCP connection, streams multiplexed on one ordered byte stream.</summary>
    Tcp = 2,

    /// <summary>TLS 1.3 over a byte stream forwarded by a relay, multiplexed as over <see cref="Tcp"/>.</summary>
    Relay = 3,
}
