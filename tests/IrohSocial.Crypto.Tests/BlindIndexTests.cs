namespace IrohSocial.Crypto.Tests;

public sealed class BlindIndexTests
{
    /// <summary>
    /// Known answers (docs/protocol.md section 2.1), computed independently with Python's hmac/hashlib: seed = bytes
    /// 00..1f, value = bytes 20..3f for the id labels and ASCII "call-1" for the call label.
    /// </summary>
    public static TheoryData<string, string, string> KnownAnswers() => new()
    {
        { "iroh-social/blind-index/peers/1", "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f", "d7ef7c1b6a8544d3d90a5ff9cef2536a" },
        { "iroh-social/attachment-folders/1", "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f", "e7015a76833f24254def7fb17b51e124" },
        { "iroh-social/blind-index/calls/1", "63616c6c2d31", "064ad6e4f9e3a51cb518d291624593ab" },
    };

    [Theory]
    [MemberData(nameof(KnownAnswers))]
    public void Compute_KnownAnswer(string label, string valueHex, string expectedHex)
    {
        using var identity = SecretKey.Import([.. Enumerable.Range(0, 32).Select(i => (byte)i)]);
        using var sealer = new AtRestSealer(identity);
        using var index = new BlindIndex(sealer, label);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(index.Compute(Convert.FromHexString(valueHex))));
    }

    [Fact]
    public void Compute_SameValueSameTag_OtherLabelOrIdentityUnrelated()
    {
        using var identity = SecretKey.Generate();
        using var other = SecretKey.Generate();
        using var sealer = new AtRestSealer(identity);
        using var otherSealer = new AtRestSealer(other);
        using var peers = new BlindIndex(sealer, "test/peers");
        using var calls = new BlindIndex(sealer, "test/calls");
        using var foreign = new BlindIndex(otherSealer, "test/peers");
        var id = SecretKey.Generate().PublicKey;

        var tag = peers.Compute(id);
        Assert.Equal(BlindIndex.TagSize, tag.Length);
        Assert.Equal(tag, peers.Compute(id.ToArray()));
        Assert.NotEqual(tag, calls.Compute(id));
        Assert.NotEqual(tag, foreign.Compute(id));
        Assert.NotEqual(tag, peers.Compute(SecretKey.Generate().PublicKey));
        Assert.Equal(-1, tag.AsSpan().IndexOf(id.ToArray().AsSpan(0, 4)));
    }

    [Fact]
    public void Compute_AfterDispose_Throws()
    {
        using var identity = SecretKey.Generate();
        using var sealer = new AtRestSealer(identity);
        var index = new BlindIndex(sealer, "test");
        index.Dispose();
        Assert.Throws<ObjectDisposedException>(() => index.Compute([1]));
    }
}
