using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Internal;

namespace IrohSocial.Fuzz.Targets;

/// <summary>Targets for the DM protocol: envelope framing + JSON, controls, attachment metadata.</summary>
internal static class MessagingTargets
{
    public const int MaxFrameSize = 64 * 1024;

    public static IEnumerable<FuzzTarget> All =>
    [
        new("envelope", "An envelope stream: FrameCodec.ReadFrameAsync (64 KiB limit) then EncryptedEnvelope.Parse per frame; only MessagingException may escape, a parsed envelope re-serializes stably and converts to a RatchetMessage.", Envelopes),
        new("control", "Control.Parse of decrypted plaintext (message, typing, read, delete, delivered, call); only MessagingException may escape, a parsed control re-serializes stably.", Controls),
        new("attachment-metadata", "AttachmentHeader.Parse (first frame of an attachment stream) and attachment descriptors inside a message control; only MessagingException may escape.", Attachments),
    ];

    /// <summary>A JSON parser of the DM protocol (throws MessagingException on bad input).</summary>
    private delegate T JsonParser<T>(ReadOnlySpan<byte> json);

    private static void Envelopes(ReadOnlySpan<byte> input)
    {
        using var stream = new MemoryStream(input.ToArray());
        try
        {
            for (var i = 0; i < 64; i++)
            {
                if (FrameCodec.ReadFrameAsync(stream, MaxFrameSize, CancellationToken.None).AsTask().GetAwaiter().GetResult() is not { } frame)
                {
                    return;
                }

                FuzzInvariantException.Check(frame.Length is > 0 and <= MaxFrameSize, "frames respect the limit");
                Envelope(frame);
            }
        }
        catch (MessagingException)
        {
            // Oversized or cut frame: the stream is closed.
        }
    }

    /// <summary>One envelope; a malformed one is dropped (the stream goes on), as the receiver does.</summary>
    private static void Envelope(ReadOnlySpan<byte> json)
    {
        EncryptedEnvelope envelope;
        EndpointId sender;
        try
        {
            envelope = EncryptedEnvelope.Parse(json, out sender);
        }
        catch (MessagingException)
        {
            return;
        }

        var once = envelope.ToJson();
        var again = EncryptedEnvelope.Parse(once, out var sender2);
        FuzzInvariantException.Check(again.ToJson().AsSpan().SequenceEqual(once) && sender2 == sender, "a parsed envelope re-serializes stably");

        // The receiver turns the envelope into a ratchet message; shapes were checked, so this must not throw.
        var header = new RatchetHeader(envelope.RatchetKey, envelope.MessageNumber, envelope.PreviousChainLength, envelope.EphemeralKey);
        FuzzInvariantException.Check(header.EncodedSize is RatchetHeader.BaseSize or RatchetHeader.SetupSize, "header shape");
    }

    private static void Controls(ReadOnlySpan<byte> input) => RoundTrip(Control.Parse, c => c.ToJson(), input);

    private static void Attachments(ReadOnlySpan<byte> input)
    {
        RoundTrip(AttachmentHeader.Parse, h => h.ToJson(), input);
        RoundTrip(Control.Parse, c => c.ToJson(), input);
    }

    private static void RoundTrip<T>(JsonParser<T> parse, Func<T, byte[]> toJson, ReadOnlySpan<byte> json)
    {
        T parsed;
        try
        {
            parsed = parse(json);
        }
        catch (MessagingException)
        {
            return;
        }

        var once = toJson(parsed);
        FuzzInvariantException.Check(toJson(parse(once)).AsSpan().SequenceEqual(once), "a parsed value re-serializes stably");
    }
}
