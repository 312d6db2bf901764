using IrohSocial.Crypto;
using IrohSocial.Fuzz.Fixtures;
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
        new("decrypt-failed", "ResponseError.TryParse of a plaintext error frame, then the signature check of a decrypt_failed for the fixture ids; nothing may throw, a parsed frame re-serializes stably, and no input verifies for the wrong signer.", DecryptFailed),
        new("attachment-file", "A stored attachment file read back through AttachmentVault.OpenRead (chunked, sealed); only MessagingException may escape and never more plaintext than the file holds.", AttachmentFile),
    ];

    private static void DecryptFailed(ReadOnlySpan<byte> input)
    {
        if (ResponseError.TryParse(input) is not { } error)
        {
            return;
        }

        using var alice = FuzzFixtures.CreateAlice();
        using var bob = FuzzFixtures.CreateBob();
        var once = error.ToJson();
        FuzzInvariantException.Check(ResponseError.TryParse(once) is { } again && again.ToJson().AsSpan().SequenceEqual(once), "an error frame re-serializes stably");
        var fromAlice = error.IsSignedDecryptFailed(alice.PublicKey, bob.PublicKey);
        FuzzInvariantException.Check(!(fromAlice && error.IsSignedDecryptFailed(bob.PublicKey, alice.PublicKey)), "one signature never verifies for both directions");
    }

    // One vault per thread (property tests run inputs in parallel): its folder and keys are fixed, and each input is
    // written over that thread's file, so a read never sees another input's bytes. The keys are the same in every
    // vault (same identity), so the sealed seeds open in any of them.
    private static readonly ThreadLocal<(AttachmentVault Vault, EndpointId Peer)> Vault = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"irohsocial-fuzz-vault-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        var bob = FuzzFixtures.CreateBob();
        var sealer = new AtRestSealer(bob);
        return (new AttachmentVault(folder, sealer), FuzzFixtures.CreateAlice().PublicKey);
    });

    private static void AttachmentFile(ReadOnlySpan<byte> input)
    {
        var (vault, peer) = Vault.Value;
        vault.EnsurePeerFolder(peer);
        File.WriteAllBytes(vault.PathFor(peer, FuzzFixtures.AttachmentMessageId, FuzzFixtures.AttachmentId), input.ToArray());
        try
        {
            using var stream = vault.OpenRead(peer, FuzzFixtures.AttachmentMessageId, FuzzFixtures.AttachmentId);
            var total = 0L;
            var buffer = new byte[8192];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                total += read;
            }

            FuzzInvariantException.Check(total <= input.Length, "never more plaintext than the file holds");
        }
        catch (MessagingException)
        {
            // Cut, edited or foreign file: refused.
        }
    }

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
