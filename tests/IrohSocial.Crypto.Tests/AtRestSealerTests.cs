using System.Security.Cryptography;

namespace IrohSocial.Crypto.Tests;

public class AtRestSealerTests
{
    [Fact]
    public void Seal_ThenOpen_RoundTrips_AndHidesPlaintext()
    {
        using var id = SecretKey.Generate();
        using var sealer = new AtRestSealer(id);
        var secret = "meet me at the usual place"u8.ToArray();
        var blob = sealer.Seal(secret, "messages:42"u8);
        Assert.Equal(secret.Length + AtRestSealer.Overhead, blob.Length);
        Assert.Equal(-1, blob.AsSpan().IndexOf(secret));
        Assert.Equal(secret, sealer.Open(blob, "messages:42"u8));
    }

    [Fact]
    public void TryOpen_FailsOnTamperWrongBindingOrOtherIdentity()
    {
        using var id = SecretKey.Generate();
        using var other = SecretKey.Generate();
        using var sealer = new AtRestSealer(id);
        using var otherSealer = new AtRestSealer(other);
        var blob = sealer.Seal("x"u8, "row:1"u8);

        Assert.False(sealer.TryOpen(blob, "row:2"u8, out _));
        Assert.False(otherSealer.TryOpen(blob, "row:1"u8, out _));
        for (var i = 0; i < blob.Length; i++)
        {
            var copy = (byte[])blob.Clone();
            copy[i] ^= 0x01;
            Assert.False(sealer.TryOpen(copy, "row:1"u8, out _));
        }

        Assert.False(sealer.TryOpen(blob.AsSpan(0, AtRestSealer.Overhead - 1), "row:1"u8, out _));
        Assert.Throws<CryptographicException>(() => sealer.Open(blob, "row:2"u8));
    }
}
