using System.Text.Json;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto.Tests.Vectors;

/// <summary>
/// Every case of the pinned Wycheproof files (C2SP/wycheproof, testvectors_v1) through the SDK's own
/// adapters, asserting each case's expected result. Failures are collected so one run lists all of them.
/// </summary>
public class WycheproofTests
{
    private static void Check(List<string> failures, bool condition, JsonElement test, string what)
    {
        if (!condition)
        {
            failures.Add($"tcId {test.GetProperty("tcId").GetInt32()} ({test.Str("result")}): {what}");
        }
    }

    private static void AssertNoFailures(List<string> failures) =>
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));

    private static Dictionary<string, int> CountResults(List<(JsonElement Group, JsonElement Test)> cases) =>
        cases.GroupBy(c => c.Test.Str("result")).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void X25519_AllCases()
    {
        using var doc = VectorFiles.Load("wycheproof/x25519_test.json");
        var cases = VectorFiles.WycheproofCases(doc);
        var failures = new List<string>();
        int refusedZero = 0, agreed = 0;
        foreach (var (_, test) in cases)
        {
            var expected = test.Hex("shared");
            var shared = new byte[32];
            var ok = X25519.TryAgree(test.Hex("private"), test.Hex("public"), shared);
            switch (test.Str("result"))
            {
                case "valid":
                    Check(failures, ok && shared.AsSpan().SequenceEqual(expected), test, "valid agreement must give the listed secret");
                    agreed++;
                    break;
                case "acceptable" when expected.All(b => b == 0):
                    // Low-order public keys: the SDK refuses the all-zero secret (RFC 7748 section 6.1).
                    Check(failures, !ok, test, "all-zero shared secret must be refused");
                    refusedZero++;
                    break;
                case "acceptable":
                    Check(failures, ok && shared.AsSpan().SequenceEqual(expected), test, "acceptable non-zero case must give the listed secret");
                    agreed++;
                    break;
                default:
                    Check(failures, !ok || !shared.AsSpan().SequenceEqual(expected), test, "invalid case must not agree");
                    break;
            }
        }

        AssertNoFailures(failures);
        Assert.Equal(518, agreed + refusedZero);
        Assert.True(refusedZero > 0);
    }

    [Fact]
    public void Ed25519_AllCases()
    {
        using var doc = VectorFiles.Load("wycheproof/ed25519_test.json");
        var cases = VectorFiles.WycheproofCases(doc);
        var failures = new List<string>();
        foreach (var (group, test) in cases)
        {
            var ok = Ed25519.Verify(group.GetProperty("publicKey").Hex("pk"), test.Hex("msg"), test.Hex("sig"));
            var expected = test.Str("result");
            Check(failures, expected == "acceptable" || ok == (expected == "valid"), test, ok ? "accepted" : "rejected");

            // Through the public API too.
            if (group.GetProperty("publicKey").Hex("pk").Length == EndpointId.Size)
            {
                var id = new EndpointId(group.GetProperty("publicKey").Hex("pk"));
                Check(failures, id.Verify(test.Hex("msg"), test.Hex("sig")) == ok, test, "EndpointId.Verify disagrees");
            }
        }

        AssertNoFailures(failures);
        Assert.Equal(new Dictionary<string, int> { ["valid"] = 88, ["invalid"] = 63 }, CountResults(cases));
    }

    [Theory]
    [InlineData("wycheproof/chacha20_poly1305_test.json", false)]
    [InlineData("wycheproof/xchacha20_poly1305_test.json", true)]
    public void Aead_AllCases(string file, bool extended)
    {
        using var doc = VectorFiles.Load(file);
        var cases = VectorFiles.WycheproofCases(doc);
        var failures = new List<string>();
        foreach (var (_, test) in cases)
        {
            var key = test.Hex("key");
            var iv = test.Hex("iv");
            var aad = test.Hex("aad");
            var msg = test.Hex("msg");
            var sealedExpected = test.Hex("ct").Concat(test.Hex("tag")).ToArray();
            var valid = test.Str("result") == "valid";
            var nonceSize = extended ? XChaCha20Poly1305.NonceSize : ChaCha20Poly1305Ietf.NonceSize;
            if (iv.Length != nonceSize || key.Length != 32)
            {
                // The API refuses other nonce/key sizes; Wycheproof marks those cases invalid.
                var threw = false;
                try
                {
                    Decrypt(extended, key, iv, aad, sealedExpected, new byte[Math.Max(0, sealedExpected.Length - 16)]);
                }
                catch (ArgumentException)
                {
                    threw = true;
                }

                Check(failures, threw && !valid, test, "unsupported size must be refused and expected invalid");
                continue;
            }

            var opened = new byte[Math.Max(0, sealedExpected.Length - 16)];
            var ok = Decrypt(extended, key, iv, aad, sealedExpected, opened);
            if (valid)
            {
                var sealedActual = new byte[msg.Length + 16];
                if (extended)
                {
                    XChaCha20Poly1305.Encrypt(key, iv, aad, msg, sealedActual);
                }
                else
                {
                    ChaCha20Poly1305Ietf.Encrypt(key, iv, aad, msg, sealedActual);
                }

                Check(failures, sealedActual.AsSpan().SequenceEqual(sealedExpected), test, "encryption differs");
                Check(failures, ok && opened.AsSpan().SequenceEqual(msg), test, "decryption failed");
            }
            else
            {
                Check(failures, !ok, test, "tampered input was accepted");
            }
        }

        AssertNoFailures(failures);
        Assert.Equal(extended ? 246 : 256, CountResults(cases)["valid"]);
        Assert.Equal(69, CountResults(cases)["invalid"]);
    }

    private static bool Decrypt(bool extended, byte[] key, byte[] iv, byte[] aad, byte[] ciphertext, byte[] destination) =>
        extended
            ? XChaCha20Poly1305.TryDecrypt(key, iv, aad, ciphertext, destination)
            : ChaCha20Poly1305Ietf.TryDecrypt(key, iv, aad, ciphertext, destination);

    [Fact]
    public void HkdfSha256_AllCases()
    {
        using var doc = VectorFiles.Load("wycheproof/hkdf_sha256_test.json");
        var cases = VectorFiles.WycheproofCases(doc);
        var failures = new List<string>();
        foreach (var (_, test) in cases)
        {
            var size = test.GetProperty("size").GetInt32();
            if (test.Str("result") == "valid")
            {
                var okm = new byte[size];
                HkdfSha256.DeriveKey(test.Hex("ikm"), test.Hex("salt"), test.Hex("info"), okm);
                Check(failures, okm.AsSpan().SequenceEqual(test.Hex("okm")), test, "okm differs");
            }
            else
            {
                var threw = false;
                try
                {
                    HkdfSha256.DeriveKey(test.Hex("ikm"), test.Hex("salt"), test.Hex("info"), new byte[size]);
                }
                catch (ArgumentException)
                {
                    threw = true;
                }

                Check(failures, threw, test, "oversized output must be refused");
            }
        }

        AssertNoFailures(failures);
        Assert.Equal(new Dictionary<string, int> { ["valid"] = 83, ["invalid"] = 3 }, CountResults(cases));
    }

    [Fact]
    public void HmacSha256_AllCases()
    {
        using var doc = VectorFiles.Load("wycheproof/hmac_sha256_test.json");
        var cases = VectorFiles.WycheproofCases(doc);
        var failures = new List<string>();
        foreach (var (group, test) in cases)
        {
            var tagBytes = group.GetProperty("tagSize").GetInt32() / 8;
            var expected = test.Hex("tag");
            var full = new byte[32];
            HmacSha256.Compute(test.Hex("key"), test.Hex("msg"), full);
            var verified = HmacSha256.Verify(test.Hex("key"), test.Hex("msg"), expected);
            if (test.Str("result") == "valid")
            {
                Check(failures, expected.Length == tagBytes && full.AsSpan(0, tagBytes).SequenceEqual(expected), test, "tag differs");
                Check(failures, verified, test, "Verify rejected a valid tag");
            }
            else
            {
                Check(failures, !verified, test, "Verify accepted a modified tag");
            }
        }

        AssertNoFailures(failures);
        Assert.Equal(new Dictionary<string, int> { ["valid"] = 66, ["invalid"] = 108 }, CountResults(cases));
    }
}
