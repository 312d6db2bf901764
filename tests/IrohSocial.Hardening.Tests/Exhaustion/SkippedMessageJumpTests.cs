using IrohSocial.Crypto;

namespace IrohSocial.Hardening.Tests.Exhaustion;

/// <summary>
/// A peer claiming a huge skipped-message jump, or skipping hundreds of messages chain after chain, must not
/// make the receiver derive or store unbounded keys, and the genuine conversation must go on.
/// </summary>
public sealed class SkippedMessageJumpTests
{
    // From docs/protocol.md (crypto section): MAX_SKIP = 1000 per chain, 2000 skipped keys in total.
    private const int MaxSkip = 1000;
    private const int MaxSkippedTotal = 2000;

    [Theory]
    [InlineData(MaxSkip + 1)]
    [InlineData(1_000_000)]
    [InlineData(uint.MaxValue)]
    public void ForgedHugeMessageNumber_IsRejectedCheaply_AndLeavesTheSessionWorking(uint claimed)
    {
        using var pair = new SessionPair();
        pair.Establish();
        var genuine = pair.Alice.Encrypt("genuine"u8);
        var forged = genuine with { Header = genuine.Header with { MessageNumber = claimed } };
        var before = pair.Bob.Serialize();

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(pair.Bob.TryDecrypt(forged, out _, out _));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        TestContext.Current.TestOutputHelper?.WriteLine($"claimed N={claimed}: rejected, {allocated} bytes allocated");

        // Deriving even MAX_SKIP keys would allocate far more than this; the check comes first.
        Assert.True(allocated < 64 * 1024, $"rejecting the jump allocated {allocated} bytes");
        Assert.Equal(before, pair.Bob.Serialize());
        Assert.True(pair.Bob.TryDecrypt(genuine, out var plaintext, out _));
        Assert.Equal("genuine"u8.ToArray(), plaintext);
    }

    [Fact]
    public void PeerWithTheKeys_JumpingPastMaxSkip_IsRejected_StateUntouched_AndOtherPeersStillServed()
    {
        using var pair = new SessionPair();
        using var carol = new SessionPair(pair.BobKey);
        pair.Establish();
        carol.Establish();
        RatchetMessage last = null!;
        for (var i = 0; i <= MaxSkip + 1; i++)
        {
            last = pair.Alice.Encrypt("skipped"u8);
        }

        var before = pair.Bob.Serialize();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(pair.Bob.TryDecrypt(last, out _, out _));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.True(allocated < 64 * 1024, $"rejecting the jump allocated {allocated} bytes");
        Assert.Equal(before, pair.Bob.Serialize());

        // Bob can still talk to Alice and to anyone else.
        Assert.True(pair.Alice.TryDecrypt(pair.Bob.Encrypt("still here"u8), out _, out _));
        Assert.True(carol.Bob.TryDecrypt(carol.Alice.Encrypt("from carol"u8), out var plaintext, out _));
        Assert.Equal("from carol"u8.ToArray(), plaintext);
    }

    [Fact]
    public void SkippingNearMaxSkipInEveryChain_KeepsStoredStateBounded_AndTheNewestSkippedKeysUsable()
    {
        using var pair = new SessionPair();
        pair.Establish();
        var sizes = new List<int>();
        var lateMessages = new List<RatchetMessage>();
        for (var round = 0; round < 8; round++)
        {
            var chain = new List<RatchetMessage>();
            for (var i = 0; i < MaxSkip; i++)
            {
                chain.Add(pair.Alice.Encrypt("m"u8));
            }

            // Deliver only the last: MaxSkip - 1 keys are skipped and kept for late delivery.
            Assert.True(pair.Bob.TryDecrypt(chain[^1], out _, out _));
            lateMessages.Add(chain[^2]);
            Assert.True(pair.Alice.TryDecrypt(pair.Bob.Encrypt("ack"u8), out _, out _));
            sizes.Add(pair.Bob.Serialize().Length);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"stored session after each round of {MaxSkip - 1} skipped keys: {string.Join(", ", sizes)} bytes");

        // Eight rounds skipped ~8000 keys; at most MaxSkippedTotal are kept (each well under 128 bytes stored).
        Assert.True(sizes.Max() < (MaxSkippedTotal * 128) + (16 * 1024), $"state grew to {sizes.Max()} bytes");
        Assert.Equal(sizes[^1], sizes[^2], tolerance: 512);
        Assert.True(pair.Bob.TryDecrypt(lateMessages[^1], out _, out _), "the newest skipped key is kept");
        Assert.False(pair.Bob.TryDecrypt(lateMessages[0], out _, out _), "the oldest skipped keys were evicted");
        Assert.True(pair.Bob.TryDecrypt(pair.Alice.Encrypt("alive"u8), out _, out _));
    }

    private sealed class SessionPair : IDisposable
    {
        private readonly SecretKey _aliceKey = SecretKey.Generate();
        private readonly bool _ownsBob;

        /// <summary>A new pair, or a new peer (Alice) talking to an existing <paramref name="bobKey"/>.</summary>
        public SessionPair(SecretKey? bobKey = null)
        {
            _ownsBob = bobKey is null;
            BobKey = bobKey ?? SecretKey.Generate();
            Alice = PeerSession.Create(_aliceKey, BobKey.PublicKey);
            Bob = PeerSession.Create(BobKey, _aliceKey.PublicKey);
        }

        public SecretKey BobKey { get; }

        public PeerSession Alice { get; }

        public PeerSession Bob { get; }

        public void Establish()
        {
            Assert.True(Bob.TryDecrypt(Alice.Encrypt("hi"u8), out _, out _));
            Assert.True(Alice.TryDecrypt(Bob.Encrypt("hi"u8), out _, out _));
        }

        public void Dispose()
        {
            Alice.Dispose();
            Bob.Dispose();
            _aliceKey.Dispose();
            if (_ownsBob)
            {
                BobKey.Dispose();
            }
        }
    }
}
