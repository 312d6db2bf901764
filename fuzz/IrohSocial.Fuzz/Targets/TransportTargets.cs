using System.Buffers;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal;
using IrohSocial.Transport.Internal.Tcp;
using Nerdbank.Streams;

namespace IrohSocial.Fuzz.Targets;

/// <summary>Targets for what a peer or a pasted ticket feeds the transport.</summary>
internal static class TransportTargets
{
    /// <summary>Inside the fixture certificate's validity (it was issued for this instant, see SeedWriter).</summary>
    public static readonly DateTimeOffset CertificateTime = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static IEnumerable<FuzzTarget> All =>
    [
        new("ticket", "Ticket bytes (TicketCodec.TryDecodeBytes) and text (EndpointAddr.TryParseTicket); an accepted ticket re-encodes to an equal address.", Ticket),
        new("certificate", "The identity certificate check (IdentityCertificate.VerifyDer) on DER bytes; only the ASN.1/crypto errors Verify maps to Malformed may escape, Valid proves the embedded key.", Certificate),
        new("control-message", "TCP provider control channel messages (ControlMessage.TryParse) in a loop; only FormatException may escape, a parsed message re-encodes to the bytes consumed.", ControlMessages),
        new("frame-reader", "FrameReader over a stream of length-prefixed frames (64 KiB limit); only TransportException may escape, frames are never larger than the limit.", Frames),
        new("mux-frames", "Raw MultiplexingStream v3 bytes (the transport's options) from a peer after TLS; every offered channel is accepted and read with FrameReader; no exception may reach the process.", Mux),
    ];

    private static void Ticket(ReadOnlySpan<byte> input)
    {
        if (TicketCodec.TryDecodeBytes(input, out var addr, out _))
        {
            var encoded = TicketCodec.EncodeBytes(addr);
            FuzzInvariantException.Check(TicketCodec.TryDecodeBytes(encoded, out var again, out _) && again.Equals(addr), "a decoded ticket re-encodes to an equal address");
            FuzzInvariantException.Check(EndpointAddr.TryParseTicket(addr.ToTicket(), out var text) && text.Equals(addr), "the text form round-trips");
        }

        var asText = Encoding.Latin1.GetString(input);
        if (EndpointAddr.TryParseTicket(asText, out var parsed))
        {
            FuzzInvariantException.Check(EndpointAddr.TryParseTicket(parsed.ToTicket(), out var again) && again.Equals(parsed), "a parsed ticket re-encodes to an equal address");
        }
    }

    private static void Certificate(ReadOnlySpan<byte> input)
    {
        CertificateCheck result;
        EndpointId id;
        try
        {
            result = IdentityCertificate.VerifyDer(input.ToArray(), CertificateTime, out id);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException or FormatException)
        {
            return;
        }

        if (result == CertificateCheck.Valid)
        {
            FuzzInvariantException.Check(id != default, "a valid certificate proves a non-zero identity");
        }
    }

    private static void ControlMessages(ReadOnlySpan<byte> input)
    {
        var buffer = new ReadOnlySequence<byte>(input.ToArray());
        for (var i = 0; i < 64; i++)
        {
            var rest = buffer;
            bool parsed;
            ControlMessage message;
            try
            {
                parsed = ControlMessage.TryParse(ref rest, out message);
            }
            catch (FormatException)
            {
                return;
            }

            if (!parsed)
            {
                return;
            }

            var consumed = buffer.Slice(0, buffer.Length - rest.Length).ToArray();
            var reencoded = message.Encode();
            FuzzInvariantException.Check(reencoded.AsSpan().SequenceEqual(consumed), "a parsed control message re-encodes to the bytes it consumed");
            buffer = rest;
        }
    }

    private static void Frames(ReadOnlySpan<byte> input)
    {
        const int limit = 64 * 1024;
        using var stream = new MemoryStream(input.ToArray());
        var reader = new FrameReader(stream, limit);
        try
        {
            while (reader.ReadFrameAsync().AsTask().GetAwaiter().GetResult() is { } frame)
            {
                FuzzInvariantException.Check(frame.Length <= limit, "frames respect the limit");
            }
        }
        catch (TransportException e)
        {
            FuzzInvariantException.Check(e.Error is TransportError.FrameTooLarge or TransportError.ProtocolViolation, $"unexpected error {e.Error}");
        }
    }

    private static void Mux(ReadOnlySpan<byte> input)
    {
        var fromPeer = new MemoryStream(input.ToArray());
        using var duplex = FullDuplexStream.Splice(fromPeer, Stream.Null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        MuxHarness.RunAsync(duplex, timeout.Token).GetAwaiter().GetResult();
    }
}
