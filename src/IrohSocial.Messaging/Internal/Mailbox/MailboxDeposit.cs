using System.Buffers.Binary;
using System.Text;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Internal.Mailbox;

/// <summary>
/// What a DM client deposits (before padding): <c>[u16 length][sender's ticket, ASCII][envelope JSON]</c>
/// (docs/protocol.md section 12.5). The ticket is a hint, so the receiver can send its receipt back (directly, or into
/// the sender's own mailbox) even when it never had the sender's address; like every address it only yields dial
/// candidates, and TLS proves who answers. Length 0 means no hint.
/// </summary>
internal static class MailboxDeposit
{
    public static byte[] Encode(EndpointAddr? sender, byte[] envelope)
    {
        var ticket = sender is null ? [] : Encoding.ASCII.GetBytes(sender.ToTicket());
        var result = new byte[2 + ticket.Length + envelope.Length];
        BinaryPrimitives.WriteUInt16BigEndian(result, (ushort)ticket.Length);
        ticket.CopyTo(result, 2);
        envelope.CopyTo(result, 2 + ticket.Length);
        return result;
    }

    public static bool TryDecode(ReadOnlyMemory<byte> deposit, out EndpointAddr? sender, out ReadOnlyMemory<byte> envelope)
    {
        sender = null;
        envelope = default;
        var span = deposit.Span;
        if (span.Length < 2)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(span);
        if (span.Length - 2 < length)
        {
            return false;
        }

        // A hint that does not parse is ignored; the envelope still counts.
        if (length > 0 && EndpointAddr.TryParseTicket(Encoding.ASCII.GetString(span.Slice(2, length)), out var hint))
        {
            sender = hint;
        }

        envelope = deposit[(2 + length)..];
        return true;
    }
}
