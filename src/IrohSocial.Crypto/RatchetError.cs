namespace IrohSocial.Crypto;

/// <summary>Why a ratchet operation threw a <see cref="RatchetException"/>.</summary>
public enum RatchetError
{
    /// <summary>Serialized session data is truncated, inconsistent or has trailing bytes.</summary>
    InvalidState = 1,

    /// <summary>Serialized session data has a format version this library does not read.</summary>
    UnsupportedVersion = 2,

    /// <summary>Serialized session data belongs to another local identity.</summary>
    WrongIdentity = 3,

    /// <summary>The remote identity is not a usable ed25519 public key (small order or not on the curve).</summary>
    InvalidRemoteIdentity = 4,

    /// <summary>A sending chain reached 2^32 - 1 messages; the peer's next reply starts a new chain.</summary>
    ChainExhausted = 5,
}
