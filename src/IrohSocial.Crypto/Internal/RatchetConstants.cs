namespace IrohSocial.Crypto.Internal;

/// <summary>Every label, size and limit of the session setup and the ratchet, in one place (as libsignal does).</summary>
internal static class RatchetConstants
{
    /// <summary>HKDF info of the setup root key.</summary>
    public static ReadOnlySpan<byte> SetupLabel => "iroh-social/dm/setup/v1"u8;

    /// <summary>Setup HKDF info prefix of version 2, followed by the initiator's and the responder's ed25519 ids.</summary>
    public static ReadOnlySpan<byte> SetupLabelV2 => "iroh-social/dm/setup/v2"u8;

    /// <summary>The original setup: the HKDF info is the label alone (still accepted from peers that use it).</summary>
    public const int SetupVersion1 = 1;

    /// <summary>The setup new sessions use: both ed25519 ids in the HKDF info (an X25519 key maps back to two ed25519 keys, A and -A).</summary>
    public const int SetupVersion2 = 2;

    /// <summary>HKDF info of every root-chain step.</summary>
    public static ReadOnlySpan<byte> RootLabel => "iroh-social/dm/root/v1"u8;

    /// <summary>HMAC input that derives a message key from a chain key.</summary>
    public const byte MessageKeyConstant = 0x01;

    /// <summary>HMAC input that derives the next chain key from a chain key.</summary>
    public const byte ChainKeyConstant = 0x02;

    public const int KeySize = 32;

    /// <summary>
    /// Most message keys one header may make us skip in a chain, and most skipped keys kept per chain.
    /// A header claiming a larger jump fails before any key is derived. See docs/protocol.md for the
    /// comparison with libsignal (25 000 / 2 000) and vodozemac (2 000 / 40).
    /// </summary>
    public const int MaxSkip = 1000;

    /// <summary>Most skipped message keys kept across all chains; the oldest is evicted first.</summary>
    public const int MaxSkippedTotal = 2000;

    /// <summary>Receiving chains kept: the current one plus four previous ones for late messages (libsignal and vodozemac keep 5).</summary>
    public const int MaxReceivingChains = 5;

    /// <summary>Setup keys format 1 kept per peer (format 2 keeps hashes of all of them).</summary>
    public const int MaxRememberedSetupKeysV1 = 32;

    /// <summary>Format version written by <see cref="PeerSession.Serialize"/>: 2 keeps an uncapped set of setup key hashes.</summary>
    public const byte StateFormatVersion = 2;

    /// <summary>The first format (32 raw setup keys at most); still read.</summary>
    public const byte StateFormatVersion1 = 1;
}
