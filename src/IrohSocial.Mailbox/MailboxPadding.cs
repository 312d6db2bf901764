using System.Buffers.Binary;

namespace IrohSocial.Mailbox;

/// <summary>
/// Pads what is deposited to one of a few fixed sizes, so a mailbox host learns little from blob sizes:
/// <c>[u32 big-endian length][payload][zero bytes]</c>, total 1 KiB, 4 KiB, 16 KiB, 64 KiB, 256 KiB or 1 MiB
/// (the smallest that fits). docs/protocol.md section 12.4.
/// </summary>
public static class MailboxPadding
{
    /// <summary>The padded sizes, smallest first.</summary>
    public static IReadOnlyList<int> Sizes { get; } = [1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20];

    /// <summary>Largest payload that can be padded (1 MiB minus the length prefix).</summary>
    public const int MaxPayload = (1 << 20) - 4;

    /// <summary>Pads <paramref name="payload"/>.</summary>
    /// <exception cref="ArgumentException">The payload is over <see cref="MaxPayload"/> bytes.</exception>
    public static byte[] Pad(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayload)
        {
            throw new ArgumentException($"A padded payload holds at most {MaxPayload} bytes.", nameof(payload));
        }

        var needed = payload.Length + 4;
        var size = Sizes.First(s => s >= needed);
        var padded = new byte[size];
        BinaryPrimitives.WriteInt32BigEndian(padded, payload.Length);
        payload.CopyTo(padded.AsSpan(4));
        return padded;
    }

    /// <summary>Reads the payload back; false when <paramref name="padded"/> is not a padded blob (wrong size, bad length or non-zero padding).</summary>
    public static bool TryUnpad(ReadOnlyMemory<byte> padded, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        var span = padded.Span;
        if (!Sizes.Contains(span.Length))
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(span);
        if (length < 0 || length > span.Length - 4 || span[(4 + length)..].ContainsAnyExcept((byte)0))
        {
            return false;
        }

        payload = padded.Slice(4, length);
        return true;
    }
}
