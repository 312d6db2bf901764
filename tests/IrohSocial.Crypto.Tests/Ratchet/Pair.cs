namespace IrohSocial.Crypto.Tests.Ratchet;

/// <summary>Two identities and their sessions with each other.</summary>
internal sealed class Pair : IDisposable
{
    public Pair(string? seedLabel = null)
    {
        AliceKey = SecretKey.Generate();
        BobKey = SecretKey.Generate();
        Alice = seedLabel is null ? PeerSession.Create(AliceKey, BobKey.PublicKey) : PeerSession.Create(AliceKey, BobKey.PublicKey, new DeterministicRandom(seedLabel + "/a"));
        Bob = seedLabel is null ? PeerSession.Create(BobKey, AliceKey.PublicKey) : PeerSession.Create(BobKey, AliceKey.PublicKey, new DeterministicRandom(seedLabel + "/b"));
    }

    public SecretKey AliceKey { get; }

    public SecretKey BobKey { get; }

    public PeerSession Alice { get; set; }

    public PeerSession Bob { get; set; }

    public static byte[] Decrypt(PeerSession session, RatchetMessage message)
    {
        Assert.True(session.TryDecrypt(message, out var plaintext, out var reset), $"decrypt failed: {session.LastFailure}");
        Assert.False(reset);
        return plaintext;
    }

    /// <summary>Sends one message each way until both sides have received (session established).</summary>
    public void Establish()
    {
        Assert.Equal("a0"u8.ToArray(), Decrypt(Bob, Alice.Encrypt("a0"u8)));
        Assert.Equal("b0"u8.ToArray(), Decrypt(Alice, Bob.Encrypt("b0"u8)));
    }

    public void Dispose()
    {
        Alice.Dispose();
        Bob.Dispose();
        AliceKey.Dispose();
        BobKey.Dispose();
    }
}
