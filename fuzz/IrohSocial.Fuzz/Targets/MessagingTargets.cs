using System.Reflection;
using IrohSocial.Crypto;
using IrohSocial.Messaging;

namespace IrohSocial.Fuzz.Targets;

/// <summary>Targets for the DM protocol: envelope framing + JSON, controls, attachment metadata.</summary>
internal static class MessagingTargets
{
    public const int MaxFrameSize = 64 * 1024;

    private static readonly Assembly Messaging = typeof(MessagingException).Assembly;

    private static readonly EnvelopeParser ParseEnvelope = Bind<EnvelopeParser>("IrohSocial.Messaging.Internal.EncryptedEnvelope", "Parse");

    private static readonly JsonParser ParseControl = Bind<JsonParser>("IrohSocial.Messaging.Internal.Control", "Parse");

    private static readonly JsonParser ParseAttachmentHeader = Bind<JsonParser>("IrohSocial.Messaging.Internal.AttachmentHeader", "Parse");

    private static readonly InternalMethod ReadFrame = InternalMethod.Find(
        typeof(MessagingException), "IrohSocial.Messaging.Internal.FrameCodec", "ReadFrameAsync", typeof(Stream), typeof(int), typeof(CancellationToken));

    public static IEnumerable<FuzzTarget> All =>
    [
        new("envelope", "An envelope stream: FrameCodec.ReadFrameAsync (64 KiB limit) then EncryptedEnvelope.Parse per frame; only MessagingException may escape, a parsed envelope re-serializes stably and converts to a RatchetMessage.", Envelopes),
        new("control", "Control.Parse of decrypted plaintext (message, typing, read, delete, delivered, call); only MessagingException may escape, a parsed control re-serializes stably.", Controls),
        new("attachment-metadata", "AttachmentHeader.Parse (first frame of an attachment stream) and attachment descriptors inside a message control; only MessagingException may escape.", Attachments),
    ];

    private delegate object EnvelopeParser(ReadOnlySpan<byte> json, out EndpointId sender);

    private delegate object JsonParser(ReadOnlySpan<byte> json);

    private static T Bind<T>(string typeName, string method)
        where T : Delegate =>
        Messaging.GetType(typeName, throwOnError: true)!
            .GetMethod(method, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!
            .CreateDelegate<T>();

    private static byte[] ToJson(object value) => (byte[])value.GetType().GetMethod("ToJson")!.Invoke(value, null)!;

    private static void Envelopes(ReadOnlySpan<byte> input)
    {
        using var stream = new MemoryStream(input.ToArray());
        try
        {
            for (var i = 0; i < 64; i++)
            {
                var pending = (ValueTask<byte[]?>)ReadFrame.Invoke(stream, MaxFrameSize, CancellationToken.None)!;
                if (pending.AsTask().GetAwaiter().GetResult() is not { } frame)
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
        object envelope;
        EndpointId sender;
        try
        {
            envelope = ParseEnvelope(json, out sender);
        }
        catch (MessagingException)
        {
            return;
        }

        var once = ToJson(envelope);
        var again = ParseEnvelope(once, out var sender2);
        FuzzInvariantException.Check(ToJson(again).AsSpan().SequenceEqual(once) && sender2 == sender, "a parsed envelope re-serializes stably");

        // The receiver turns the envelope into a ratchet message; shapes were checked, so this must not throw.
        var type = envelope.GetType();
        var header = new RatchetHeader(
            (byte[])type.GetProperty("RatchetKey")!.GetValue(envelope)!,
            (uint)type.GetProperty("MessageNumber")!.GetValue(envelope)!,
            (uint)type.GetProperty("PreviousChainLength")!.GetValue(envelope)!,
            (byte[]?)type.GetProperty("EphemeralKey")!.GetValue(envelope));
        FuzzInvariantException.Check(header.EncodedSize is RatchetHeader.BaseSize or RatchetHeader.SetupSize, "header shape");
    }

    private static void Controls(ReadOnlySpan<byte> input) => RoundTrip(ParseControl, input);

    private static void Attachments(ReadOnlySpan<byte> input)
    {
        RoundTrip(ParseAttachmentHeader, input);
        RoundTrip(ParseControl, input);
    }

    private static void RoundTrip(JsonParser parse, ReadOnlySpan<byte> json)
    {
        object parsed;
        try
        {
            parsed = parse(json);
        }
        catch (MessagingException)
        {
            return;
        }

        var once = ToJson(parsed);
        FuzzInvariantException.Check(ToJson(parse(once)).AsSpan().SequenceEqual(once), "a parsed value re-serializes stably");
    }
}
