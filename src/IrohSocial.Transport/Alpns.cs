namespace IrohSocial.Transport;

/// <summary>Application-layer protocol names of the SDK, negotiated with TLS ALPN on every connection.</summary>
public static class Alpns
{
    /// <summary>Direct messages.</summary>
    public const string DirectMessages = "iroh-social/dm/1";

    /// <summary>Voice and video calls.</summary>
    public const string Calls = "iroh-social/call/1";

    /// <summary>Store-and-forward of already encrypted envelopes (docs/protocol.md section 12).</summary>
    public const string Mailbox = "iroh-social/mailbox/1";
}
