using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using IrohSocial.Transport;

namespace IrohSocial.Mailbox.Tests;

/// <summary>Builds tickets from raw bodies (own base32 and CRC-32, independent of the codec under test).</summary>
internal static class TicketCodecAccess
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The ticket bytes of <paramref name="addr"/> without the trailing CRC.</summary>
    public static byte[] Body(EndpointAddr addr)
    {
        var text = addr.ToTicket()[EndpointAddr.TicketPrefix.Length..];
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes.Take(bytes.Count - 4)];
    }

    /// <summary>Appends a valid CRC to <paramref name="body"/> and parses the resulting ticket.</summary>
    public static bool TryDecode(byte[] body, out EndpointAddr? addr)
    {
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(body));
        byte[] full = [.. body, .. crc];
        var text = new StringBuilder(EndpointAddr.TicketPrefix);
        int buffer = 0, bits = 0;
        foreach (var b in full)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return EndpointAddr.TryParseTicket(text.ToString(), out addr);
    }
}
