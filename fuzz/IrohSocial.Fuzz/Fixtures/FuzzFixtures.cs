using IrohSocial.Crypto;

namespace IrohSocial.Fuzz.Fixtures;

/// <summary>
/// Fixed identities and stored ratchet states, so every execution of a stateful target starts from the same
/// state (a fuzzer needs the same input to take the same path). The .bin files are written by
/// <c>IrohSocial.Fuzz seed</c> together with the corpus that matches them.
/// </summary>
public static class FuzzFixtures
{
    /// <summary>Name of the embedded resource with Bob's session after it received Alice's first messages and replied.</summary>
    public const string EstablishedBobStateResource = "bob-established.bin";

    /// <summary>Alice's fixed identity (the initiator whose messages the seeds hold).</summary>
    public static SecretKey CreateAlice() => SecretKey.Import(Seed(0xA1));

    /// <summary>Bob's fixed identity (the receiver the decrypt target plays).</summary>
    public static SecretKey CreateBob() => SecretKey.Import(Seed(0xB0));

    /// <summary>The fixed call id of the media-stream target.</summary>
    public static Guid CallId { get; } = new("0f0e0d0c-0b0a-0908-0706-050403020100");

    /// <summary>Per-call media keys for the fixed call; <paramref name="isCaller"/> picks the side.</summary>
    internal static CallKeys CreateCallKeys(bool isCaller) =>
        CallKeys.Derive(Seed(0xCA), Seed(0xCE), CallId.ToByteArray(bigEndian: true), isCaller);

    /// <summary>Message id of the attachment-file target's stored attachment.</summary>
    public const string AttachmentMessageId = "m1";

    /// <summary>Attachment id of the attachment-file target's stored attachment.</summary>
    public const string AttachmentId = "a0";

    /// <summary>Reads an embedded fixture.</summary>
    public static byte[] Read(string name)
    {
        using var stream = typeof(FuzzFixtures).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Missing fixture {name}; run `IrohSocial.Fuzz seed`.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Whether a fixture is embedded (false only before the first `seed` run).</summary>
    public static bool Exists(string name) =>
        typeof(FuzzFixtures).Assembly.GetManifestResourceInfo(name) is not null;

    private static byte[] Seed(byte fill)
    {
        var seed = new byte[SecretKey.Size];
        seed.AsSpan().Fill(fill);
        return seed;
    }
}
