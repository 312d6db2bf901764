using IrohSocial.Crypto;

namespace IrohSocial.Media.Framing;

/// <summary>
/// Builds encrypted media frames for one outgoing stream: <c>[14-byte header][ciphertext][16-byte tag]</c>,
/// the header in clear and authenticated as associated data. The sealer owns the sequence counter so a
/// (key, stream kind, sequence) nonce is never used twice: keep the same sealer across a reconnect.
/// Not thread-safe.
/// </summary>
internal sealed class MediaFrameSealer
{
    /// <summary>Largest payload one frame can carry (the u16 length covers payload and tag).</summary>
    public const int MaxPayloadSize = ushort.MaxValue - MediaFrameCipher.TagSize;

    private readonly MediaFrameCipher _cipher;
    private long _nextSequence;

    /// <summary>Creates a sealer.</summary>
    /// <param name="cipher">The sending direction's cipher (<see cref="CallKeys.Send"/>); not owned.</param>
    /// <param name="kind">The stream kind, bound into every nonce.</param>
    /// <param name="firstSequence">Sequence of the first frame.</param>
    public MediaFrameSealer(MediaFrameCipher cipher, MediaStreamKind kind, uint firstSequence = 0)
    {
        ArgumentNullException.ThrowIfNull(cipher);
        _cipher = cipher;
        Kind = kind;
        _nextSequence = firstSequence;
    }

    /// <summary>The stream kind frames are sealed for.</summary>
    public MediaStreamKind Kind { get; }

    /// <summary>Sequence number the next frame gets.</summary>
    public uint NextSequence => (uint)_nextSequence;

    /// <summary>Bytes a frame with a payload of <paramref name="payloadLength"/> bytes takes on the wire.</summary>
    /// <param name="payloadLength">Plaintext length.</param>
    /// <returns>Header, ciphertext and tag length.</returns>
    public static int GetFrameSize(int payloadLength) => MediaFrameHeader.Size + payloadLength + MediaFrameCipher.TagSize;

    /// <summary>Seals the next frame.</summary>
    /// <param name="timestampMicroseconds">Capture time, microseconds since the Unix epoch on the sender's clock.</param>
    /// <param name="payload">The plaintext (an Opus packet), at most <see cref="MaxPayloadSize"/> bytes.</param>
    /// <param name="destination">At least <see cref="GetFrameSize"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="InvalidOperationException">All 2^32 sequence numbers were used; the stream must end.</exception>
    public int Seal(ulong timestampMicroseconds, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        if (payload.Length > MaxPayloadSize)
        {
            throw new ArgumentException($"A frame payload is at most {MaxPayloadSize} bytes.", nameof(payload));
        }

        int size = GetFrameSize(payload.Length);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The frame needs {size} bytes.", nameof(destination));
        }

        if (_nextSequence > uint.MaxValue)
        {
            throw new InvalidOperationException("The stream used every sequence number; start a new call.");
        }

        var header = new MediaFrameHeader((uint)_nextSequence, timestampMicroseconds, (ushort)(payload.Length + MediaFrameCipher.TagSize));
        header.WriteTo(destination);
        _cipher.Seal((byte)Kind, header.Sequence, destination[..MediaFrameHeader.Size], payload, destination[MediaFrameHeader.Size..size]);
        _nextSequence++;
        return size;
    }

    /// <summary>Seals the next frame into a new array.</summary>
    /// <param name="timestampMicroseconds">Capture time, microseconds since the Unix epoch on the sender's clock.</param>
    /// <param name="payload">The plaintext.</param>
    /// <returns>The whole wire frame.</returns>
    public byte[] Seal(ulong timestampMicroseconds, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[GetFrameSize(payload.Length)];
        Seal(timestampMicroseconds, payload, frame);
        return frame;
    }
}
