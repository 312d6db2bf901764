using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;
using System.Text;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal;

/// <summary>
/// Ticket wire format (docs/protocol.md section 4.3):
/// <c>[u8 version=2][32 id][u8 n ≤ 16]{ [u8 family 4|6][4|16 ip][u16 port] } × n [u8 hasRelay 0|1][u16 len][UTF-8 url]? [u32 CRC-32]</c>,
/// then lowercase unpadded base32 behind the prefix. Version 1 (no CRC) still decodes, flagged as unchecked.
/// </summary>
/// <remarks>
/// CRC-32 rather than a truncated hash: a one-character typo changes at most 5 consecutive bits of the body, and
/// CRC-32 detects every error burst up to 32 bits, so every single-character substitution is caught, not just
/// almost every one.
/// </remarks>
internal static class TicketCodec
{
    public const string Prefix = "irohsocial";
    public const byte Version = 2;
    public const byte LegacyVersion = 1;
    public const int ChecksumSize = 4;
    public const int MaxAddresses = 16;
    public const int MaxRelayUrlBytes = 1024;

    /// <summary>Tag of the optional mailbox field (an address without version, mailbox or checksum).</summary>
    public const byte MailboxField = 0x01;

    public static string Encode(EndpointAddr addr)
    {
        ArgumentNullException.ThrowIfNull(addr);
        return Prefix + Base32.Encode(EncodeBytes(addr));
    }

    public static byte[] EncodeBytes(EndpointAddr addr)
    {
        using var buffer = new MemoryStream();
        buffer.WriteByte(Version);
        WriteAddress(buffer, addr);
        Span<byte> scratch = stackalloc byte[4];
        if (addr.Mailbox is { } mailbox)
        {
            // Optional fields follow the relay field as [u8 tag][u16 length][value]; a ticket without any ends
            // exactly where an older one did, so old readers and the golden bytes are unchanged.
            using var nested = new MemoryStream();
            WriteAddress(nested, mailbox);
            buffer.WriteByte(MailboxField);
            BinaryPrimitives.WriteUInt16BigEndian(scratch, checked((ushort)nested.Length));
            buffer.Write(scratch[..2]);
            buffer.Write(nested.GetBuffer().AsSpan(0, (int)nested.Length));
        }

        BinaryPrimitives.WriteUInt32BigEndian(scratch, Crc32.HashToUInt32(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        buffer.Write(scratch[..ChecksumSize]);
        return buffer.ToArray();
    }

    /// <summary>Writes <c>[32 id][u8 n]{addresses}[u8 relay]...</c>, the part shared by a ticket and its mailbox field.</summary>
    private static void WriteAddress(MemoryStream buffer, EndpointAddr addr)
    {
        ArgumentNullException.ThrowIfNull(addr.DirectAddresses);
        if (addr.DirectAddresses.Count > MaxAddresses)
        {
            throw new ArgumentException($"A ticket holds at most {MaxAddresses} addresses.", nameof(addr));
        }

        byte[]? relay = null;
        if (addr.RelayUrl is not null)
        {
            if (!IsValidRelay(addr.RelayUrl))
            {
                throw new ArgumentException("The relay URL must be an absolute http or https URL.", nameof(addr));
            }

            relay = Encoding.UTF8.GetBytes(addr.RelayUrl.AbsoluteUri);
            if (relay.Length > MaxRelayUrlBytes)
            {
                throw new ArgumentException($"The relay URL is longer than {MaxRelayUrlBytes} bytes.", nameof(addr));
            }
        }

        buffer.Write(addr.Id.ToArray());
        buffer.WriteByte((byte)addr.DirectAddresses.Count);
        Span<byte> scratch = stackalloc byte[16];
        foreach (var ep in addr.DirectAddresses)
        {
            ArgumentNullException.ThrowIfNull(ep);
            var family = ep.AddressFamily switch
            {
                AddressFamily.InterNetwork => (byte)4,
                AddressFamily.InterNetworkV6 => (byte)6,
                _ => throw new ArgumentException("Only IPv4 and IPv6 addresses fit in a ticket.", nameof(addr)),
            };
            if (family == 6 && ep.Address.ScopeId != 0)
            {
                throw new ArgumentException("IPv6 addresses with a scope id do not fit in a ticket.", nameof(addr));
            }

            buffer.WriteByte(family);
            ep.Address.TryWriteBytes(scratch, out var written);
            buffer.Write(scratch[..written]);
            BinaryPrimitives.WriteUInt16BigEndian(scratch, (ushort)ep.Port);
            buffer.Write(scratch[..2]);
        }

        if (relay is null)
        {
            buffer.WriteByte(0);
        }
        else
        {
            buffer.WriteByte(1);
            BinaryPrimitives.WriteUInt16BigEndian(scratch, (ushort)relay.Length);
            buffer.Write(scratch[..2]);
            buffer.Write(relay);
        }
    }

    public static bool TryDecode(string ticket, [NotNullWhen(true)] out EndpointAddr? addr, out string reason) =>
        TryDecode(ticket, out addr, out _, out reason);

    /// <summary>Decodes a ticket; <paramref name="warning"/> says when it is a valid ticket of the unchecked version 1.</summary>
    public static bool TryDecode(string ticket, [NotNullWhen(true)] out EndpointAddr? addr, out TicketWarning warning, out string reason)
    {
        addr = null;
        warning = TicketWarning.None;
        if (!ticket.StartsWith(Prefix, StringComparison.Ordinal))
        {
            reason = $"it does not start with \"{Prefix}\"";
            return false;
        }

        if (ticket.Length > 4096)
        {
            reason = "it is too long";
            return false;
        }

        if (!Base32.TryDecode(ticket.AsSpan(Prefix.Length), out var bytes))
        {
            reason = "the body is not canonical lowercase base32";
            return false;
        }

        return TryDecodeBytes(bytes, out addr, out warning, out reason);
    }

    public static bool TryDecodeBytes(ReadOnlySpan<byte> data, [NotNullWhen(true)] out EndpointAddr? addr, out string reason) =>
        TryDecodeBytes(data, out addr, out _, out reason);

    public static bool TryDecodeBytes(ReadOnlySpan<byte> data, [NotNullWhen(true)] out EndpointAddr? addr, out TicketWarning warning, out string reason)
    {
        addr = null;
        warning = TicketWarning.None;
        if (data.Length < 1 + EndpointId.Size + 1 + 1)
        {
            reason = "it is truncated";
            return false;
        }

        switch (data[0])
        {
            case Version:
                // The checksum is checked first: a typo should be reported as a typo, not as whatever field it hit.
                if (data.Length < 1 + EndpointId.Size + 1 + 1 + ChecksumSize
                    || BinaryPrimitives.ReadUInt32BigEndian(data[^ChecksumSize..]) != Crc32.HashToUInt32(data[..^ChecksumSize]))
                {
                    reason = "its checksum does not match (a character was mistyped, lost or added; copy the whole ticket again)";
                    return false;
                }

                data = data[..^ChecksumSize];
                break;
            case LegacyVersion:
                warning = TicketWarning.NoChecksum;
                break;
            default:
                reason = $"unknown version {data[0]}";
                return false;
        }

        var pos = 1;
        if (!TryReadAddress(data, ref pos, out addr, out reason))
        {
            return false;
        }

        // Optional fields, each [u8 tag][u16 length][value], tags ascending; unknown ones are skipped so later
        // versions can add fields that this reader ignores.
        var lastTag = 0;
        while (pos < data.Length)
        {
            if (data.Length - pos < 3)
            {
                reason = "it is truncated";
                addr = null;
                return false;
            }

            var tag = data[pos];
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 1)..]);
            pos += 3;
            if (tag <= lastTag || data.Length - pos < length)
            {
                reason = tag <= lastTag ? "optional fields out of order" : "it is truncated";
                addr = null;
                return false;
            }

            lastTag = tag;
            var value = data.Slice(pos, length);
            pos += length;
            if (tag == MailboxField)
            {
                var inner = 0;
                if (!TryReadAddress(value, ref inner, out var mailbox, out reason) || inner != value.Length)
                {
                    reason = inner != value.Length && mailbox is not null ? "trailing bytes in the mailbox address" : "bad mailbox address: " + reason;
                    addr = null;
                    return false;
                }

                addr = addr with { Mailbox = mailbox };
            }
        }

        reason = "";
        return true;
    }

    /// <summary>Reads <c>[32 id][u8 n]{addresses}[u8 relay]...</c> at <paramref name="pos"/> and moves past it.</summary>
    private static bool TryReadAddress(ReadOnlySpan<byte> data, ref int pos, [NotNullWhen(true)] out EndpointAddr? addr, out string reason)
    {
        addr = null;
        if (data.Length - pos < EndpointId.Size + 2)
        {
            reason = "it is truncated";
            return false;
        }

        var id = new EndpointId(data.Slice(pos, EndpointId.Size));
        pos += EndpointId.Size;
        int count = data[pos++];
        if (count > MaxAddresses)
        {
            reason = "too many addresses";
            return false;
        }

        var addresses = new List<IPEndPoint>(count);
        for (var i = 0; i < count; i++)
        {
            if (pos >= data.Length)
            {
                reason = "it is truncated";
                return false;
            }

            var size = data[pos++] switch
            {
                4 => 4,
                6 => 16,
                _ => -1,
            };
            if (size < 0)
            {
                reason = "unknown address family";
                return false;
            }

            if (data.Length - pos < size + 2)
            {
                reason = "it is truncated";
                return false;
            }

            var ip = new IPAddress(data.Slice(pos, size));
            pos += size;
            var port = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            pos += 2;
            addresses.Add(new IPEndPoint(ip, port));
        }

        if (pos >= data.Length)
        {
            reason = "it is truncated";
            return false;
        }

        Uri? relay = null;
        switch (data[pos++])
        {
            case 0:
                break;
            case 1:
                if (data.Length - pos < 2)
                {
                    reason = "it is truncated";
                    return false;
                }

                var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
                pos += 2;
                if (length > MaxRelayUrlBytes || data.Length - pos < length)
                {
                    reason = "bad relay URL length";
                    return false;
                }

                string text;
                try
                {
                    text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(data.Slice(pos, length));
                }
                catch (DecoderFallbackException)
                {
                    reason = "the relay URL is not UTF-8";
                    return false;
                }

                pos += length;
                if (!Uri.TryCreate(text, UriKind.Absolute, out relay) || !IsValidRelay(relay) || relay.AbsoluteUri != text)
                {
                    reason = "the relay URL is not a canonical absolute http(s) URL";
                    return false;
                }

                break;
            default:
                reason = "bad relay flag";
                return false;
        }

        addr = new EndpointAddr(id, addresses, relay);
        reason = "";
        return true;
    }


    private static bool IsValidRelay(Uri uri) =>
        uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
