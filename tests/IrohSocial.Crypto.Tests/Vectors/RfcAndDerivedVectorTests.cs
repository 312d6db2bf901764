using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto.Tests.Vectors;

/// <summary>The RFC set (RFC 7748, 8439, 5869, 8032) and the derived ed25519-to-X25519 set from the shared vector folder.</summary>
public class RfcAndDerivedVectorTests
{
    [Fact]
    public void X25519_Rfc7748_FunctionIteratedAndDh()
    {
        using var doc = VectorFiles.Load("rfc/rfc-vectors.json");
        var x = doc.RootElement.GetProperty("x25519");
        foreach (var test in x.GetProperty("function_vectors").GetProperty("tests").EnumerateArray())
        {
            var output = new byte[32];
            Assert.True(X25519.TryAgree(test.Hex("scalar"), test.Hex("u"), output));
            Assert.Equal(test.Hex("output"), output);
        }

        // Iterated: k = X25519(k, u); u = old k. The 1,000,000 checkpoint takes ~40 s here, so it runs
        // only with IROHSOCIAL_SLOW_VECTORS=1; the 1 and 1000 checkpoints always run.
        var runAll = Environment.GetEnvironmentVariable("IROHSOCIAL_SLOW_VECTORS") == "1";
        var iterated = x.GetProperty("iterated");
        var k = iterated.Hex("initial_k");
        var u = iterated.Hex("initial_u");
        var done = 0;
        var checkedCount = 0;
        foreach (var checkpoint in iterated.GetProperty("checkpoints").EnumerateArray())
        {
            var target = checkpoint.GetProperty("iterations").GetInt32();
            if (target > 1000 && !runAll)
            {
                continue;
            }

            for (; done < target; done++)
            {
                var r = new byte[32];
                Assert.True(X25519.TryAgree(k, u, r));
                u = k;
                k = r;
            }

            Assert.Equal(checkpoint.Hex("k"), k);
            checkedCount++;
        }

        Assert.True(checkedCount >= 2);

        var dh = x.GetProperty("diffie_hellman");
        var alicePub = new byte[32];
        var bobPub = new byte[32];
        X25519.PublicKeyFromPrivate(dh.Hex("alice_private"), alicePub);
        X25519.PublicKeyFromPrivate(dh.Hex("bob_private"), bobPub);
        Assert.Equal(dh.Hex("alice_public"), alicePub);
        Assert.Equal(dh.Hex("bob_public"), bobPub);
        var s1 = new byte[32];
        var s2 = new byte[32];
        Assert.True(X25519.TryAgree(dh.Hex("alice_private"), dh.Hex("bob_public"), s1));
        Assert.True(X25519.TryAgree(dh.Hex("bob_private"), dh.Hex("alice_public"), s2));
        Assert.Equal(dh.Hex("shared_secret"), s1);
        Assert.Equal(s1, s2);
    }

    [Fact]
    public void ChaCha20Poly1305_Rfc8439()
    {
        using var doc = VectorFiles.Load("rfc/rfc-vectors.json");
        var v = doc.RootElement.GetProperty("chacha20_poly1305");
        var plaintext = v.Hex("plaintext");
        var output = new byte[plaintext.Length + 16];
        ChaCha20Poly1305Ietf.Encrypt(v.Hex("key"), v.Hex("nonce"), v.Hex("aad"), plaintext, output);
        Assert.Equal(v.Hex("ciphertext"), output[..plaintext.Length]);
        Assert.Equal(v.Hex("tag"), output[plaintext.Length..]);
        var back = new byte[plaintext.Length];
        Assert.True(ChaCha20Poly1305Ietf.TryDecrypt(v.Hex("key"), v.Hex("nonce"), v.Hex("aad"), output, back));
        Assert.Equal(plaintext, back);
    }

    [Fact]
    public void HkdfSha256_Rfc5869()
    {
        using var doc = VectorFiles.Load("rfc/rfc-vectors.json");
        var count = 0;
        foreach (var test in doc.RootElement.GetProperty("hkdf_sha256").GetProperty("tests").EnumerateArray())
        {
            var prk = new byte[32];
            HkdfSha256.Extract(test.Hex("ikm"), test.Hex("salt"), prk);
            Assert.Equal(test.Hex("prk"), prk);
            var okm = new byte[test.GetProperty("length").GetInt32()];
            HkdfSha256.DeriveKey(test.Hex("ikm"), test.Hex("salt"), test.Hex("info"), okm);
            Assert.Equal(test.Hex("okm"), okm);
            count++;
        }

        Assert.Equal(3, count);
    }

    [Fact]
    public void Ed25519_Rfc8032_SignAndVerify()
    {
        using var doc = VectorFiles.Load("rfc/rfc-vectors.json");
        var count = 0;
        foreach (var test in doc.RootElement.GetProperty("ed25519").GetProperty("tests").EnumerateArray())
        {
            using var key = SecretKey.Import(test.Hex("secret_key"));
            Assert.Equal(test.Hex("public_key"), key.PublicKey.ToArray());
            Assert.Equal(test.Hex("signature"), key.Sign(test.Hex("message")));
            Assert.True(key.PublicKey.Verify(test.Hex("message"), test.Hex("signature")));
            count++;
        }

        Assert.Equal(3, count);
    }

    [Fact]
    public void Ed25519ToX25519_DerivedSet()
    {
        using var doc = VectorFiles.Load("derived/ed25519-to-x25519.json");
        var publics = new Dictionary<string, byte[]>();
        var privates = new Dictionary<string, byte[]>();
        foreach (var k in doc.RootElement.GetProperty("keys").EnumerateArray())
        {
            using var key = SecretKey.Import(k.Hex("ed25519_seed"));
            Assert.Equal(k.Hex("ed25519_public"), key.PublicKey.ToArray());
            var priv = new byte[32];
            var pub = new byte[32];
            using (var seed = key.ReadSeed())
            {
                KeyConversion.ConvertSeed(seed.Span, priv);
            }
            Assert.Equal(k.Hex("x25519_private"), priv);
            Assert.True(KeyConversion.TryConvertPublicKey(k.Hex("ed25519_public"), pub));
            Assert.Equal(k.Hex("x25519_public"), pub);
            var derived = new byte[32];
            X25519.PublicKeyFromPrivate(priv, derived);
            Assert.Equal(pub, derived);
            publics[k.Str("from")] = pub;
            privates[k.Str("from")] = priv;
        }

        var pairs = 0;
        foreach (var dh in doc.RootElement.GetProperty("dh").EnumerateArray())
        {
            var ab = new byte[32];
            var ba = new byte[32];
            Assert.True(X25519.TryAgree(privates[dh.Str("a")], publics[dh.Str("b")], ab));
            Assert.True(X25519.TryAgree(privates[dh.Str("b")], publics[dh.Str("a")], ba));
            Assert.Equal(dh.Hex("shared_secret"), ab);
            Assert.Equal(ab, ba);
            pairs++;
        }

        Assert.Equal(3, pairs);
    }
}
