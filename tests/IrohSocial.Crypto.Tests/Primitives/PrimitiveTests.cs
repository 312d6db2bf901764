using CsCheck;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto.Tests.Primitives;

/// <summary>
/// Published RFC values run through the SDK's own adapters. These run even without the shared vector
/// folder; the full Wycheproof and RFC files are exercised in the Vectors tests.
/// </summary>
public class PrimitiveTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex);

    [Fact]
    public void X25519_Rfc7748Section61_BothSidesAgree()
    {
        // RFC 7748 section 6.1.
        var alicePriv = H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        var bobPriv = H("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        var alicePub = new byte[32];
        var bobPub = new byte[32];
        X25519.PublicKeyFromPrivate(alicePriv, alicePub);
        X25519.PublicKeyFromPrivate(bobPriv, bobPub);
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", Convert.ToHexStringLower(alicePub));
        Assert.Equal("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", Convert.ToHexStringLower(bobPub));
        var k1 = new byte[32];
        var k2 = new byte[32];
        Assert.True(X25519.TryAgree(alicePriv, bobPub, k1));
        Assert.True(X25519.TryAgree(bobPriv, alicePub, k2));
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", Convert.ToHexStringLower(k1));
        Assert.Equal(k1, k2);
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")] // u = 0
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")] // u = 1
    [InlineData("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")] // order-8 point
    [InlineData("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // u = p - 1
    public void X25519_LowOrderPublicKey_IsRefusedAndOutputZeroed(string lowOrderHex)
    {
        var priv = new byte[32];
        priv[0] = 0x42;
        var shared = Enumerable.Repeat((byte)0xAA, 32).ToArray();
        Assert.False(X25519.TryAgree(priv, H(lowOrderHex), shared));
        Assert.All(shared, b => Assert.Equal(0, b));
    }

    [Fact]
    public void X25519_WrongSizes_Throw()
    {
        Assert.Throws<ArgumentException>(() => X25519.TryAgree(new byte[31], new byte[32], new byte[32]));
        Assert.Throws<ArgumentException>(() => X25519.PublicKeyFromPrivate(new byte[32], new byte[33]));
    }

    [Fact]
    public void KeyConversion_ConvertedIdentities_AgreeInBothDirections()
    {
        using var a = SecretKey.Generate();
        using var b = SecretKey.Generate();
        Span<byte> aPriv = stackalloc byte[32], bPriv = stackalloc byte[32], aPub = stackalloc byte[32], bPub = stackalloc byte[32];
        using (var seedA = a.ReadSeed())
        using (var seedB = b.ReadSeed())
        {
            KeyConversion.ConvertSeed(seedA.Span, aPriv);
            KeyConversion.ConvertSeed(seedB.Span, bPriv);
        }
        Assert.True(KeyConversion.TryConvertPublicKey(a.PublicKey.ToArray(), aPub));
        Assert.True(KeyConversion.TryConvertPublicKey(b.PublicKey.ToArray(), bPub));

        // The converted public key is the X25519 public key of the converted secret.
        Span<byte> derived = stackalloc byte[32];
        X25519.PublicKeyFromPrivate(aPriv, derived);
        Assert.True(derived.SequenceEqual(aPub));

        Span<byte> k1 = stackalloc byte[32], k2 = stackalloc byte[32];
        Assert.True(X25519.TryAgree(aPriv, bPub, k1));
        Assert.True(X25519.TryAgree(bPriv, aPub, k2));
        Assert.True(k1.SequenceEqual(k2));
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")] // small order (identity-like)
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")] // neutral element
    [InlineData("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")] // order-8 point
    public void KeyConversion_SmallOrderEd25519Key_IsRefused(string hex)
    {
        Assert.False(KeyConversion.TryConvertPublicKey(H(hex), new byte[32]));
    }

    [Fact]
    public void KeyConversion_WrongLength_IsRefused()
    {
        Assert.False(KeyConversion.TryConvertPublicKey(new byte[31], new byte[32]));
        Assert.Throws<ArgumentException>(() => KeyConversion.ConvertSeed(new byte[31], new byte[32]));
    }

    [Fact]
    public void ChaCha20Poly1305_Rfc8439Section282_EncryptsAndDecrypts()
    {
        var key = H("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        var nonce = H("070000004041424344454647");
        var aad = H("50515253c0c1c2c3c4c5c6c7");
        var plaintext = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."u8.ToArray();
        var expected = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
            + "1ae10b594f09e26a7e902ecbd0600691";
        var output = new byte[plaintext.Length + ChaCha20Poly1305Ietf.TagSize];
        ChaCha20Poly1305Ietf.Encrypt(key, nonce, aad, plaintext, output);
        Assert.Equal(expected, Convert.ToHexStringLower(output));

        var back = new byte[plaintext.Length];
        Assert.True(ChaCha20Poly1305Ietf.TryDecrypt(key, nonce, aad, output, back));
        Assert.Equal(plaintext, back);
    }

    [Fact]
    public void ChaCha20Poly1305_AnyFlippedBitOrWrongAad_Fails_AndZeroesOutput()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var nonce = new byte[12];
        var ct = new byte[5 + 16];
        ChaCha20Poly1305Ietf.Encrypt(key, nonce, "ad"u8, "hello"u8, ct);
        var dest = new byte[5];
        for (var bit = 0; bit < ct.Length * 8; bit++)
        {
            var copy = (byte[])ct.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(ChaCha20Poly1305Ietf.TryDecrypt(key, nonce, "ad"u8, copy, dest));
            Assert.All(dest, b => Assert.Equal(0, b));
        }

        Assert.False(ChaCha20Poly1305Ietf.TryDecrypt(key, nonce, "ax"u8, ct, dest));
        Assert.False(ChaCha20Poly1305Ietf.TryDecrypt(key, nonce, "ad"u8, ct.AsSpan(0, 15), dest));
        Assert.True(ChaCha20Poly1305Ietf.TryDecrypt(key, nonce, "ad"u8, ct, dest));
    }

    [Fact]
    public void ChaCha20Poly1305_EmptyPlaintext_And_InPlace_Work()
    {
        var key = new byte[32];
        var nonce = new byte[12];
        var tagOnly = new byte[16];
        ChaCha20Poly1305Ietf.Encrypt(key, nonce, default, default, tagOnly);
        Assert.True(ChaCha20Poly1305Ietf.TryDecrypt(key, nonce, default, tagOnly, Span<byte>.Empty));

        var buffer = new byte[3 + 16];
        "abc"u8.CopyTo(buffer);
        ChaCha20Poly1305Ietf.Encrypt(key, nonce, default, buffer.AsSpan(0, 3), buffer);
        Assert.True(ChaCha20Poly1305Ietf.TryDecrypt(key, nonce, default, buffer, buffer));
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
    }

    [Fact]
    public void Aead_WrongSizes_Throw()
    {
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305Ietf.Encrypt(new byte[31], new byte[12], default, default, new byte[16]));
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305Ietf.Encrypt(new byte[32], new byte[24], default, default, new byte[16]));
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305Ietf.Encrypt(new byte[32], new byte[12], default, new byte[4], new byte[19]));
        Assert.Throws<ArgumentException>(() => XChaCha20Poly1305.Encrypt(new byte[32], new byte[12], default, default, new byte[16]));
        Assert.Throws<ArgumentException>(() => XChaCha20Poly1305.TryDecrypt(new byte[32], new byte[24], default, new byte[20], new byte[3]));
    }

    [Fact]
    public void XChaCha20Poly1305_DraftArciszewskiA3_EncryptsAndDecrypts()
    {
        // draft-irtf-cfrg-xchacha-03, appendix A.3.1.
        var key = H("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        var nonce = H("404142434445464748494a4b4c4d4e4f5051525354555657");
        var aad = H("50515253c0c1c2c3c4c5c6c7");
        var plaintext = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."u8.ToArray();
        var output = new byte[plaintext.Length + 16];
        XChaCha20Poly1305.Encrypt(key, nonce, aad, plaintext, output);
        Assert.Equal("c0875924c1c7987947deafd8780acf49", Convert.ToHexStringLower(output.AsSpan(plaintext.Length)));
        Assert.StartsWith("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb", Convert.ToHexStringLower(output));
        var back = new byte[plaintext.Length];
        Assert.True(XChaCha20Poly1305.TryDecrypt(key, nonce, aad, output, back));
        Assert.Equal(plaintext, back);
        output[0] ^= 1;
        Assert.False(XChaCha20Poly1305.TryDecrypt(key, nonce, aad, output, back));
    }

    [Fact]
    public void Hkdf_Rfc5869A1_DerivesOkm()
    {
        var okm = new byte[42];
        HkdfSha256.DeriveKey(H("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), H("000102030405060708090a0b0c"), H("f0f1f2f3f4f5f6f7f8f9"), okm);
        Assert.Equal("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", Convert.ToHexStringLower(okm));
        var prk = new byte[32];
        HkdfSha256.Extract(H("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), H("000102030405060708090a0b0c"), prk);
        Assert.Equal("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", Convert.ToHexStringLower(prk));
    }

    [Fact]
    public void Hkdf_OutputSizeOutOfRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => HkdfSha256.DeriveKey(new byte[1], default, default, new byte[HkdfSha256.MaxOutputSize + 1]));
        Assert.Throws<ArgumentException>(() => HkdfSha256.DeriveKey(new byte[1], default, default, Span<byte>.Empty));
    }

    [Fact]
    public void Hmac_Rfc4231Case2_VerifiesFullAndTruncatedTags()
    {
        // RFC 4231 test case 2.
        var tag = new byte[32];
        HmacSha256.Compute("Jefe"u8, "what do ya want for nothing?"u8, tag);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(tag));
        Assert.True(HmacSha256.Verify("Jefe"u8, "what do ya want for nothing?"u8, tag));
        Assert.True(HmacSha256.Verify("Jefe"u8, "what do ya want for nothing?"u8, tag.AsSpan(0, 16)));
        Assert.False(HmacSha256.Verify("Jefe"u8, "what do ya want for nothing?"u8, tag.AsSpan(0, 15)));
        tag[31] ^= 1;
        Assert.False(HmacSha256.Verify("Jefe"u8, "what do ya want for nothing?"u8, tag));
    }

    [Fact]
    public void ChainKeyHmac_BothBackends_EqualTwoPlainHmacs()
    {
        // On Linux .NET itself runs on OpenSSL, so the fast path must be found; a silent fallback would be a 3x regression.
        Assert.True(!OperatingSystem.IsLinux() || ChainKeyHmac.UsesOpenSsl, "OpenSSL's SHA-256 did not load on Linux.");
        Gen.Select(Gen.Byte.Array[32], Gen.Byte, Gen.Byte).Sample((key, first, second) =>
        {
            var expectedFirst = new byte[32];
            var expectedSecond = new byte[32];
            HmacSha256.Compute(key, [first], expectedFirst);
            HmacSha256.Compute(key, [second], expectedSecond);
            var a = new byte[32];
            var b = new byte[32];
            ChainKeyHmac.ComputeWithLibsodium(key, first, a, second, b);
            Assert.Equal(expectedFirst, a);
            Assert.Equal(expectedSecond, b);
            if (ChainKeyHmac.UsesOpenSsl)
            {
                Array.Clear(a);
                Array.Clear(b);
                ChainKeyHmac.ComputeWithOpenSsl(key, first, a, second, b);
                Assert.Equal(expectedFirst, a);
                Assert.Equal(expectedSecond, b);
            }
        }, iter: 200);
    }

    [Fact]
    public void SodiumRandom_FillsDistinctBuffers()
    {
        var a = new byte[32];
        var b = new byte[32];
        SodiumRandom.Instance.Fill(a);
        SodiumRandom.Instance.Fill(b);
        Assert.NotEqual(a, b);
        Assert.Contains(a, x => x != 0);
    }
}
