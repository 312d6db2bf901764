using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto.Tests.Ratchet;

/// <summary>
/// Known-answer values, computed independently by Reference/ratchet_kat.py (pyca/cryptography, written
/// from the spec in docs/protocol.md) and repeated in that document.
/// </summary>
public class RatchetKnownAnswerTests
{
    // RFC 8032 section 7.1 TEST 1 and TEST 2 seeds.
    private const string AliceSeed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    private const string BobSeed = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

    // Setup version 2 (both ed25519 ids in the setup HKDF info): `python3 ratchet_kat.py 2`.
    private const string M1 = "0101deef9ac7fe040d7236321e01026c8d0283d6711980f0538a93dc49d9608fab0b000000000000000034da71a4f42040ba122f822054aac8fcfcfe2b39f3215cdd49c3ac4d5f0f4e1819edd22b3ee816daaa1ecc1ed24c6095f16d52ccd722d9965c61cf8f670abfe48ea92fde51";
    private const string M2 = "01003efd902bd3e238a74bc768df66f3dd4205e8aea6e4c8ea562ab8d4a770e84a7a00000000000000000e36e557351fc2412441a8f52dd1f6ebf9b696ed8437ace879d1b951c03260e59154d70c";
    private const string M3 = "010037489cd2b17323bb048d128401a71da345bccb41964fdc15daf82fb3a14e95380000000000000001f42f69d514078d829358a88e61c6957f2fd9e9ec633737ad8b3d2b4bb2bd876a395ca5d58eda98";

    // Setup version 1 (the original setup), still accepted from peers that use it: `python3 ratchet_kat.py 1`.
    private const string M1V1 = "0101deef9ac7fe040d7236321e01026c8d0283d6711980f0538a93dc49d9608fab0b000000000000000034da71a4f42040ba122f822054aac8fcfcfe2b39f3215cdd49c3ac4d5f0f4e1819edd22b3ee816daaa1ecc1ef298d9b96d0adc3d7146aa1ba115d2e3bee458ad49915b2eab";
    private const string M2V1 = "01003efd902bd3e238a74bc768df66f3dd4205e8aea6e4c8ea562ab8d4a770e84a7a00000000000000000e36e557351fc2412441a8f5ba2ead5f199fc313986ad23df6fd88ac9ba891b78ae414ef";

    [Fact]
    public void Conversation_WithFixedKeysAndRandomness_ProducesPinnedMessages()
    {
        using var aliceKey = SecretKey.Import(Convert.FromHexString(AliceSeed));
        using var bobKey = SecretKey.Import(Convert.FromHexString(BobSeed));
        using var alice = PeerSession.Create(aliceKey, bobKey.PublicKey, new DeterministicRandom("kat/alice"));
        using var bob = PeerSession.Create(bobKey, aliceKey.PublicKey, new DeterministicRandom("kat/bob"));

        var m1 = alice.Encrypt("hello bob"u8);
        Assert.Equal(M1, Convert.ToHexStringLower(m1.ToBytes()));
        Assert.Equal("hello bob"u8.ToArray(), Pair.Decrypt(bob, m1));

        var m2 = bob.Encrypt("hi alice"u8);
        Assert.Equal(M2, Convert.ToHexStringLower(m2.ToBytes()));
        Assert.Equal("hi alice"u8.ToArray(), Pair.Decrypt(alice, m2));

        var m3 = alice.Encrypt("how are you"u8);
        Assert.Equal(M3, Convert.ToHexStringLower(m3.ToBytes()));
        Assert.Equal("how are you"u8.ToArray(), Pair.Decrypt(bob, m3));
    }

    [Theory]
    [InlineData(M1)]
    [InlineData(M1V1)]
    public void PinnedFirstMessages_BothSetupVersions_DecryptFromTheirBytes(string first)
    {
        using var aliceKey = SecretKey.Import(Convert.FromHexString(AliceSeed));
        using var bobKey = SecretKey.Import(Convert.FromHexString(BobSeed));
        using var bob = PeerSession.Create(bobKey, aliceKey.PublicKey);
        Assert.True(RatchetMessage.TryParse(Convert.FromHexString(first), out var m1));
        Assert.Equal("hello bob"u8.ToArray(), Pair.Decrypt(bob, m1));
    }

    [Fact]
    public void SetupVersion1Session_RepliesAndContinues()
    {
        // A peer that still sets up with version 1: Bob's reply must be what that peer computes (M2V1).
        using var aliceKey = SecretKey.Import(Convert.FromHexString(AliceSeed));
        using var bobKey = SecretKey.Import(Convert.FromHexString(BobSeed));
        using var bob = PeerSession.Create(bobKey, aliceKey.PublicKey, new DeterministicRandom("kat/bob"));
        Assert.True(RatchetMessage.TryParse(Convert.FromHexString(M1V1), out var m1));
        Pair.Decrypt(bob, m1);
        Assert.Equal(M2V1, Convert.ToHexStringLower(bob.Encrypt("hi alice"u8).ToBytes()));
    }

    [Fact]
    public void FirstMessage_ForAnotherIdentityPair_DoesNotOpen()
    {
        // The ids are in the setup KDF: the same X25519 keys under other ed25519 ids give another root.
        using var aliceKey = SecretKey.Import(Convert.FromHexString(AliceSeed));
        using var bobKey = SecretKey.Import(Convert.FromHexString(BobSeed));
        var root = new byte[32];
        var other = new byte[32];
        var dh = Enumerable.Repeat((byte)7, 32).ToArray();
        RatchetKdf.SetupRoot(dh, dh, aliceKey.PublicKey, bobKey.PublicKey, RatchetConstants.SetupVersion2, root);
        RatchetKdf.SetupRoot(dh, dh, bobKey.PublicKey, aliceKey.PublicKey, RatchetConstants.SetupVersion2, other);
        Assert.NotEqual(root, other);
    }

    [Fact]
    public void SetupRootAndFirstMessageKey_MatchReference()
    {
        // EK = the first 32 bytes of the "kat/alice" stream; the identities' X25519 keys come from the seeds.
        var ephemeral = new byte[32];
        new DeterministicRandom("kat/alice").Fill(ephemeral);
        var alicePrivate = new byte[32];
        var bobPrivate = new byte[32];
        var bobPublic = new byte[32];
        KeyConversion.ConvertSeed(Convert.FromHexString(AliceSeed), alicePrivate);
        KeyConversion.ConvertSeed(Convert.FromHexString(BobSeed), bobPrivate);
        X25519.PublicKeyFromPrivate(bobPrivate, bobPublic);
        var dh1 = new byte[32];
        var dh2 = new byte[32];
        Assert.True(X25519.TryAgree(ephemeral, bobPublic, dh1));
        Assert.True(X25519.TryAgree(alicePrivate, bobPublic, dh2));
        using var aliceKey = SecretKey.Import(Convert.FromHexString(AliceSeed));
        using var bobKey = SecretKey.Import(Convert.FromHexString(BobSeed));
        var root = new byte[32];
        RatchetKdf.SetupRoot(dh1, dh2, aliceKey.PublicKey, bobKey.PublicKey, RatchetConstants.SetupVersion2, root);
        Assert.Equal("061c225a6be2dfc87a142b989f987aa3b06e09fa3cd3b7dad04fdba011a59cc3", Convert.ToHexStringLower(root));
        RatchetKdf.SetupRoot(dh1, dh2, aliceKey.PublicKey, bobKey.PublicKey, RatchetConstants.SetupVersion1, root);
        Assert.Equal("6f9ec25bf0ae63196c268d24670a33dcd6137d5ced0af54a645bf7202ebd68b7", Convert.ToHexStringLower(root));
    }

    [Fact]
    public void Kdfs_MatchIndependentValues()
    {
        var ck = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var mk = new byte[32];
        var next = new byte[32];
        RatchetKdf.ChainStep(ck, mk, next);
        Assert.Equal("9b4c8120a4823a95f47cde17a244f4507244ee6e3957d1fab9fa29b44d3829b7", Convert.ToHexStringLower(mk));
        Assert.Equal("4304c22c84a53755ab08ead8d97a8d429be5efa480682d7ad1da27f73e1fbe1d", Convert.ToHexStringLower(next));

        // In-place chain step (next chain key written over the input) gives the same result.
        RatchetKdf.ChainStep(ck, mk, ck);
        Assert.Equal(next, ck);

        var root = new byte[32];
        var chain = new byte[32];
        RatchetKdf.RootStep(Enumerable.Repeat((byte)1, 32).ToArray(), Enumerable.Repeat((byte)2, 32).ToArray(), root, chain);
        Assert.Equal("09d6039bb6ea0b75f9a0b4a99fb521cb324110a1b931fbc33398ef3df7e8fb4e", Convert.ToHexStringLower(root));
        Assert.Equal("0fb4a493f2b402df3e403267a3410e83de7bd5d962bfeab3135b104e33acb0b7", Convert.ToHexStringLower(chain));

        var setup = new byte[32];
        RatchetKdf.SetupRoot(Enumerable.Repeat((byte)3, 32).ToArray(), Enumerable.Repeat((byte)4, 32).ToArray(), default, default, RatchetConstants.SetupVersion1, setup);
        Assert.Equal("f7deea905701449709b9a128788053868f1e49ed04a8234b1d13ce391b1d1fab", Convert.ToHexStringLower(setup));
    }
}
