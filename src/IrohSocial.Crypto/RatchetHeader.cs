using System.Buffers.Binary;

namespace IrohSocial.Crypto;

/// <summary>
/// The cleartext header of a ratchet message. All of it is authenticated as associated data.
/// </summary>
/// <param name="RatchetKey">The sender's current X25519 ratchet public key (32 bytes).</param>
/// <param name="MessageNumber">Index of the message in the sender's current sending chain (N).</param>
/// <param name="PreviousChainLength">Number of messages in the sender's previous sending chain (PN).</param>
/// <param name="SetupEphemeralKey">The initiator's X25519 ephemeral setup key (32 bytes), present on every
/// message the initiator sends until it receives a reply; <see langword="null"/> afterwards and for the responder.</param>
public sealed record RatchetHeader(byte[] RatchetKey, uint MessageNumber, uint PreviousChainLength, byte[]? SetupEphemeralKey)
{
    /// <summary>Size of an encoded header without setup data.</summary>
    public const int BaseSize = 1 + KeySize + 4 + 4;

    /// <summary>Size of an encoded header with setup data.</summary>
    public const int SetupSize = BaseSize + KeySize;

    private const int KeySize = 32;
    private const byte SetupFlag = 0x01;

    /// <summary>Size of this header's encoding.</summary>
    public int EncodedSize => SetupEphemeralKey is null ? BaseSize : SetupSize;

    /// <summary>
    /// Writes <c>[u8 flags (bit 0 = setup present)][32 ratchet key][u32 N][u32 PN][32 setup key, if present]</c>.
    /// </summary>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException">A key is not 32 bytes or <paramref name="destination"/> is too small.</exception>
    public int WriteTo(Span<byte> destination)
    {
        if (!HasValidShape)
        {
            throw new ArgumentException("Ratchet and setup keys are 32 bytes.");
        }

        if (destination.Length < EncodedSize)
        {
            throw new ArgumentException($"Destination must hold {EncodedSize} bytes.", nameof(destination));
        }

        destination[0] = SetupEphemeralKey is null ? (byte)0 : SetupFlag;
        RatchetKey.CopyTo(destination[1..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(1 + KeySize)..], MessageNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(5 + KeySize)..], PreviousChainLength);
        SetupEphemeralKey?.CopyTo(destination[BaseSize..]);
        return EncodedSize;
    }

    /// <summary>Reads a header written by <see cref="WriteTo"/>.</summary>
    /// <returns><see langword="false"/> when the data is truncated or the flags byte is unknown.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out RatchetHeader? header, out int bytesRead)
    {
        header = null;
        bytesRead = 0;
        if (source.Length < BaseSize || source[0] > SetupFlag)
        {
            return false;
        }

        var hasSetup = source[0] == SetupFlag;
        if (hasSetup && source.Length < SetupSize)
        {
            return false;
        }

        header = new RatchetHeader(
            source.Slice(1, KeySize).ToArray(),
            BinaryPrimitives.ReadUInt32BigEndian(source[(1 + KeySize)..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[(5 + KeySize)..]),
            hasSetup ? source.Slice(BaseSize, KeySize).ToArray() : null);
        bytesRead = hasSetup ? SetupSize : BaseSize;
        return true;
    }

    internal bool HasValidShape =>
        RatchetKey is { Length: KeySize } && SetupEphemeralKey is null or { Length: KeySize };
}
