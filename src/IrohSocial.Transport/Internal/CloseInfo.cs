namespace IrohSocial.Transport.Internal;

/// <summary>How and why a connection ended; turned into the exception that pending and later operations see.</summary>
internal sealed record CloseInfo(TransportError Error, long? ApplicationCode, string Reason, bool ByPeer)
{
    public TransportException ToException() => new(
        Error,
        Error == TransportError.ConnectionClosed
            ? $"The connection was closed by {(ByPeer ? "the peer" : "this endpoint")} with code {ApplicationCode}{(Reason.Length > 0 ? $": {Reason}" : "")}."
            : $"The connection ended ({Error}){(ByPeer ? " by the peer" : "")}{(Reason.Length > 0 ? $": {Reason}" : "")}.",
        ApplicationCode);

    /// <summary>The code to send in CLOSE for a locally decided end.</summary>
    public long WireCode => Error == TransportError.ConnectionClosed ? ApplicationCode ?? 0 : CloseCodes.For(Error);
}
