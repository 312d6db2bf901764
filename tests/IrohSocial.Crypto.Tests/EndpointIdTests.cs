using IrohSocial.Crypto;

namespace IrohSocial.Crypto.Tests;

public class EndpointIdTests
{
    [Fact]
    public void Parse_RoundTripsCanonicalHex()
    {
        using var key = SecretKey.Generate();
        var text = key.PublicKey.ToString();
        Assert.Equal(64, text.Length);
        Assert.Equal(text.ToLowerInvariant(), text);
        Assert.Equal(key.PublicKey, EndpointId.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("7A4A4D94C6F72646D251F9D32E6F0FC224BA84633F70815FEB56C7395B369BE2")]
    [InlineData("7a4a4d94c6f72646d251f9d32e6f0fc224ba84633f70815feb56c7395b369be")]
    [InlineData("7a4a4d94c6f72646d251f9d32e6f0fc224ba84633f70815feb56c7395b369be2a")]
    [InlineData("7a4a4d94c6f72646d251f9d32e6f0fc224ba84633f70815feb56c7395b369bg2")]
    [InlineData(" 7a4a4d94c6f72646d251f9d32e6f0fc224ba84633f70815feb56c7395b369be")]
    public void TryParse_RejectsNonCanonicalText(string text)
    {
        Assert.False(EndpointId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => EndpointId.Parse(text));
    }

    [Fact]
    public void Verify_AcceptsOwnSignature_RejectsTamperedMessageAndOtherKey()
    {
        using var alice = SecretKey.Generate();
        using var bob = SecretKey.Generate();
        var message = "attack at dawn"u8.ToArray();
        var signature = alice.Sign(message);

        Assert.True(alice.PublicKey.Verify(message, signature));
        Assert.False(bob.PublicKey.Verify(message, signature));
        message[0] ^= 1;
        Assert.False(alice.PublicKey.Verify(message, signature));
        Assert.False(alice.PublicKey.Verify(message, signature.AsSpan(0, 63)));
    }

    [Fact]
    public void SecretKey_ImportExport_RoundTrips_AndToStringHidesSeed()
    {
        using var key = SecretKey.Generate();
        var seed = new byte[SecretKey.Size];
        key.Export(seed);
        using var imported = SecretKey.Import(seed);
        Assert.Equal(key.PublicKey, imported.PublicKey);
        Assert.DoesNotContain(Convert.ToHexStringLower(seed), key.ToString());
    }

    [Fact]
    public void SecretKey_Dispose_BlocksFurtherUse()
    {
        var key = SecretKey.Generate();
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign("x"u8));
    }
}
