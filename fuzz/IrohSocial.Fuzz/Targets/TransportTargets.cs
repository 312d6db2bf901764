using System.Buffers;
using System.Formats.Asn1;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using Nerdbank.Streams;

namespace IrohSocial.Fuzz.Targets;

/// <summary>Targets for what a peer or a pasted ticket feeds the transport.</summary>
internal static class TransportTargets
{
    // A span parameter cannot go through MethodInfo.Invoke: bind a delegate of the same shape instead.
    private static readonly TicketDecoder TicketDecodeBytes = typeof(EndpointAddr).Assembly
        .GetType("IrohSocial.Transport.Internal.TicketCodec", throwOnError: true)!
        .GetMethod("TryDecodeBytes", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!
        .CreateDelegate<TicketDecoder>();

    private static readonly InternalMethod TicketEncodeBytes = InternalMethod.Find(
        typeof(EndpointAddr), "IrohSocial.Transport.Internal.TicketCodec", "EncodeBytes", typeof(EndpointAddr));

    private static readonly Type CertificateCheckType = typeof(EndpointAddr).Assembly.GetType("IrohSocial.Transport.Internal.CertificateCheck", throwOnError: true)!;

    private static readonly InternalMethod VerifyCertificateDer = InternalMethod.Find(
        typeof(EndpointAddr), "IrohSocial.Transport.Internal.IdentityCertificate", "VerifyDer",
        typeof(byte[]), typeof(DateTimeOffset), typeof(EndpointId).MakeByRefType());

    private static readonly Type ControlMessageType = typeof(EndpointAddr).Assembly.GetType("IrohSocial.Transport.Internal.Tcp.ControlMessage", throwOnError: true)!;

    private static readonly InternalMethod ControlTryParse = InternalMethod.Find(
        typeof(EndpointAddr), "IrohSocial.Transport.Internal.Tcp.ControlMessage", "TryParse",
        typeof(ReadOnlySequence<byte>).MakeByRefType(), ControlMessageType.MakeByRefType());

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

    private delegate bool TicketDecoder(ReadOnlySpan<byte> data, out EndpointAddr? addr, out string reason);

    private static void Ticket(ReadOnlySpan<byte> input)
    {
        if (TicketDecodeBytes(input, out var addr, out _))
        {
            var encoded = (byte[])TicketEncodeBytes.Invoke(addr)!;
            FuzzInvariantException.Check(TicketDecodeBytes(encoded, out var again, out _) && again!.Equals(addr), "a decoded ticket re-encodes to an equal address");
            FuzzInvariantException.Check(EndpointAddr.TryParseTicket(addr!.ToTicket(), out var text) && text.Equals(addr), "the text form round-trips");
        }

        var asText = Encoding.Latin1.GetString(input);
        if (EndpointAddr.TryParseTicket(asText, out var parsed))
        {
            FuzzInvariantException.Check(EndpointAddr.TryParseTicket(parsed.ToTicket(), out var again) && again.Equals(parsed), "a parsed ticket re-encodes to an equal address");
        }
    }

    private static void Certificate(ReadOnlySpan<byte> input)
    {
        var args = new object?[] { input.ToArray(), CertificateTime, null };
        object result;
        try
        {
            result = VerifyCertificateDer.Invoke(args)!;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException or FormatException)
        {
            return;
        }

        var name = Enum.GetName(CertificateCheckType, result);
        if (name == "Valid")
        {
            var id = (EndpointId)args[2]!;
            FuzzInvariantException.Check(id != default, "a valid certificate proves a non-zero identity");
        }
    }

    private static void ControlMessages(ReadOnlySpan<byte> input)
    {
        var encode = ControlMessageType.GetMethod("Encode")!;
        var buffer = new ReadOnlySequence<byte>(input.ToArray());
        for (var i = 0; i < 64; i++)
        {
            var args = new object?[] { buffer, null };
            bool parsed;
            try
            {
                parsed = (bool)ControlTryParse.Invoke(args)!;
            }
            catch (FormatException)
            {
                return;
            }

            if (!parsed)
            {
                return;
            }

            var rest = (ReadOnlySequence<byte>)args[0]!;
            var consumed = buffer.Slice(0, buffer.Length - rest.Length).ToArray();
            var reencoded = (byte[])encode.Invoke(args[1], null)!;
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
        MuxHarness.RunAsync(duplex, ControlTryParse, timeout.Token).GetAwaiter().GetResult();
    }
}
