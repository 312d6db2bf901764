namespace IrohSocial.Crypto.Tests.Ratchet;

public class RatchetMessageTests
{
    [Fact]
    public void ToBytes_TryParse_RoundTrips_WithAndWithoutSetup()
    {
        using var p = new Pair();
        var withSetup = p.Alice.Encrypt("hello"u8);
        Pair.Decrypt(p.Bob, withSetup);
        var withoutSetup = p.Bob.Encrypt("hi"u8);
        foreach (var m in new[] { withSetup, withoutSetup })
        {
            var bytes = m.ToBytes();
            Assert.Equal(1 + m.Header.EncodedSize + 12 + m.Ciphertext.Length, bytes.Length);
            Assert.True(RatchetMessage.TryParse(bytes, out var parsed));
            Assert.Equal(m.Header.RatchetKey, parsed.Header.RatchetKey);
            Assert.Equal(m.Header.MessageNumber, parsed.Header.MessageNumber);
            Assert.Equal(m.Header.PreviousChainLength, parsed.Header.PreviousChainLength);
            Assert.Equal(m.Header.SetupEphemeralKey, parsed.Header.SetupEphemeralKey);
            Assert.Equal(m.Ciphertext, parsed.Ciphertext);
            Assert.Equal(m.Nonce, parsed.Nonce);
            Assert.Equal(bytes, parsed.ToBytes());
        }

        Assert.True(RatchetMessage.TryParse(withoutSetup.ToBytes(), out var reparsed));
        Assert.Equal("hi"u8.ToArray(), Pair.Decrypt(p.Alice, reparsed));
    }

    [Fact]
    public void TryParse_TruncatedOrUnknownVersionOrFlags_Fails()
    {
        using var p = new Pair();
        var bytes = p.Alice.Encrypt("x"u8).ToBytes();
        for (var len = 0; len < 1 + RatchetHeader.SetupSize + 12 + 16; len++)
        {
            Assert.False(RatchetMessage.TryParse(bytes.AsSpan(0, len), out _));
        }

        var badVersion = (byte[])bytes.Clone();
        badVersion[0] = 2;
        Assert.False(RatchetMessage.TryParse(badVersion, out _));
        var badFlags = (byte[])bytes.Clone();
        badFlags[1] = 0x02;
        Assert.False(RatchetMessage.TryParse(badFlags, out _));
    }

    [Fact]
    public void Header_WriteTo_RejectsBadShapesAndSmallBuffers()
    {
        var header = new RatchetHeader(new byte[32], 1, 2, null);
        Assert.Throws<ArgumentException>(() => header.WriteTo(new byte[RatchetHeader.BaseSize - 1]));
        Assert.Throws<ArgumentException>(() => (header with { RatchetKey = new byte[3] }).WriteTo(new byte[100]));
        Assert.Equal(RatchetHeader.BaseSize, header.WriteTo(new byte[100]));
    }
}
