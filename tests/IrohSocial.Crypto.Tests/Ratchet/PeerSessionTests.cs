using System.Text;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto.Tests.Ratchet;

public class PeerSessionTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Encrypt_AttachesSetupUntilFirstReply_ThenStops()
    {
        using var p = new Pair();
        Assert.False(p.Alice.HasReceived);
        var m1 = p.Alice.Encrypt("one"u8);
        var m2 = p.Alice.Encrypt("two"u8);
        Assert.NotNull(m1.Header.SetupEphemeralKey);
        Assert.Equal(m1.Header.SetupEphemeralKey, m2.Header.SetupEphemeralKey);
        Assert.Equal(m1.Header.RatchetKey, m2.Header.RatchetKey);
        Assert.Equal(0u, m1.Header.MessageNumber);
        Assert.Equal(1u, m2.Header.MessageNumber);

        // Any one of the setup messages starts Bob's session: here the second one first.
        Assert.Equal("two"u8.ToArray(), Pair.Decrypt(p.Bob, m2));
        Assert.Equal("one"u8.ToArray(), Pair.Decrypt(p.Bob, m1));
        Assert.True(p.Bob.HasReceived);

        var reply = p.Bob.Encrypt("ack"u8);
        Assert.Null(reply.Header.SetupEphemeralKey);
        Assert.NotEqual(m1.Header.RatchetKey, reply.Header.RatchetKey);
        Assert.Equal("ack"u8.ToArray(), Pair.Decrypt(p.Alice, reply));
        Assert.True(p.Alice.HasReceived);
        Assert.Null(p.Alice.Encrypt("three"u8).Header.SetupEphemeralKey);
    }

    [Fact]
    public void LongConversation_WithRatchetSteps_DecryptsEverything()
    {
        using var p = new Pair();
        var seen = new HashSet<string>();
        for (var round = 0; round < 20; round++)
        {
            var (sender, receiver) = round % 3 == 2 ? (p.Bob, p.Alice) : (p.Alice, p.Bob);
            for (var i = 0; i < 1 + (round % 4); i++)
            {
                var text = $"round {round} message {i}";
                var message = sender.Encrypt(Utf8(text));
                Assert.True(seen.Add(Convert.ToHexString(message.Header.RatchetKey) + message.Header.MessageNumber));
                Assert.Equal(text, Encoding.UTF8.GetString(Pair.Decrypt(receiver, message)));
            }
        }
    }

    [Fact]
    public void TryDecrypt_Replay_FailsAndStateStaysUsable()
    {
        using var p = new Pair();
        var m = p.Alice.Encrypt("x"u8);
        Pair.Decrypt(p.Bob, m);
        Assert.False(p.Bob.TryDecrypt(m, out var plaintext, out _));
        Assert.Empty(plaintext);

        var skippedOver = p.Alice.Encrypt("late"u8);
        var next = p.Alice.Encrypt("next"u8);
        Pair.Decrypt(p.Bob, next);
        Assert.False(p.Bob.TryDecrypt(next, out _, out _));
        Assert.Equal(DecryptFailure.Replay, p.Bob.LastFailure);
        Assert.Equal("late"u8.ToArray(), Pair.Decrypt(p.Bob, skippedOver));
        Assert.False(p.Bob.TryDecrypt(skippedOver, out _, out _));
        Assert.Equal(DecryptFailure.Replay, p.Bob.LastFailure);
    }

    [Fact]
    public void TryDecrypt_LateMessagesFromPreviousChains_Decrypt()
    {
        using var p = new Pair();
        p.Establish();
        var late = new List<(RatchetMessage Message, string Text)>();
        for (var round = 0; round < 4; round++)
        {
            // Alice sends three, one is held back; Bob replies, which moves Alice to a new chain.
            var held = p.Alice.Encrypt(Utf8($"held {round}"));
            late.Add((held, $"held {round}"));
            Pair.Decrypt(p.Bob, p.Alice.Encrypt(Utf8($"sent {round}")));
            Pair.Decrypt(p.Alice, p.Bob.Encrypt(Utf8($"reply {round}")));
        }

        Assert.Equal(4, p.Bob.Primary!.SkippedKeyCount);
        foreach (var (message, text) in late)
        {
            Assert.Equal(text, Encoding.UTF8.GetString(Pair.Decrypt(p.Bob, message)));
        }

        Assert.Equal(0, p.Bob.Primary.SkippedKeyCount);
    }

    [Fact]
    public void TryDecrypt_MessagesBeyondPreviousChainEnd_AreRefusedWithoutDerivation()
    {
        using var p = new Pair();
        p.Establish();
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("a1"u8));
        var old = p.Alice.Encrypt("a2"u8);
        Pair.Decrypt(p.Alice, p.Bob.Encrypt("b1"u8));
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("new chain"u8)); // PN tells Bob the old chain had 3 messages

        // A forged header on the old chain past its announced end fails before any key derivation.
        var steps = p.Bob.Primary!.ChainStepCount;
        var forged = old with { Header = old.Header with { MessageNumber = old.Header.MessageNumber + 5 } };
        Assert.False(p.Bob.TryDecrypt(forged, out _, out _));
        Assert.Equal(DecryptFailure.BeyondChainEnd, p.Bob.LastFailure);
        Assert.Equal(steps, p.Bob.Primary.ChainStepCount);
        Assert.Equal("a2"u8.ToArray(), Pair.Decrypt(p.Bob, old));
    }

    [Fact]
    public void TryDecrypt_JumpPastMaxSkip_FailsFastWithoutDerivingKeys()
    {
        using var p = new Pair();
        p.Establish();
        var genuine = p.Alice.Encrypt("genuine"u8);
        var steps = p.Bob.Primary!.ChainStepCount;

        // Same chain: number = next + MaxSkip + 1.
        var farSameChain = genuine with { Header = genuine.Header with { MessageNumber = genuine.Header.MessageNumber + RatchetConstants.MaxSkip + 1 } };
        Assert.False(p.Bob.TryDecrypt(farSameChain, out _, out _));
        Assert.Equal(DecryptFailure.TooFarAhead, p.Bob.LastFailure);

        // New ratchet key with a huge number: refused before the DH and the root KDF.
        var farNewChain = genuine with { Header = genuine.Header with { RatchetKey = new byte[32], MessageNumber = uint.MaxValue } };
        Assert.False(p.Bob.TryDecrypt(farNewChain, out _, out _));
        Assert.Equal(DecryptFailure.TooFarAhead, p.Bob.LastFailure);
        Assert.Equal(steps, p.Bob.Primary.ChainStepCount);
        Assert.Equal(0, p.Bob.Primary.SkippedKeyCount);

        // Exactly MaxSkip skipped keys is still allowed.
        for (var i = 0; i < RatchetConstants.MaxSkip - 1; i++)
        {
            p.Alice.Encrypt("dropped"u8);
        }

        Assert.Equal("after"u8.ToArray(), Pair.Decrypt(p.Bob, p.Alice.Encrypt("after"u8)));
        Assert.Equal("genuine"u8.ToArray(), Pair.Decrypt(p.Bob, genuine));
        Assert.Equal(RatchetConstants.MaxSkip - 1, p.Bob.Primary.SkippedKeyCount);
    }

    [Fact]
    public void FloodOfSkippedMessages_KeepsMemoryBounded()
    {
        using var p = new Pair();
        p.Establish();
        for (var round = 0; round < 4; round++)
        {
            // Per chain: three jumps of MaxSkip - 1 each would store ~3000 keys without the per-chain cap.
            for (var jump = 0; jump < 3; jump++)
            {
                for (var i = 0; i < RatchetConstants.MaxSkip - 1; i++)
                {
                    p.Alice.Encrypt("lost"u8);
                }

                Pair.Decrypt(p.Bob, p.Alice.Encrypt("arrives"u8));
                Assert.True(p.Bob.Primary!.SkippedKeyCount <= RatchetConstants.MaxSkippedTotal);
            }

            Pair.Decrypt(p.Alice, p.Bob.Encrypt("reply"u8));
        }

        Assert.Equal(RatchetConstants.MaxSkippedTotal, p.Bob.Primary!.SkippedKeyCount);
        Assert.True(p.Bob.Primary.ReceivingChainCount <= RatchetConstants.MaxReceivingChains);
        Assert.True(p.Bob.Serialize().Length < 200_000);
        Assert.Equal("still fine"u8.ToArray(), Pair.Decrypt(p.Bob, p.Alice.Encrypt("still fine"u8)));
    }

    [Fact]
    public void TryDecrypt_OldestChainsBeyondLimit_AreForgotten()
    {
        using var p = new Pair();
        p.Establish();
        var held = p.Alice.Encrypt("held"u8);
        p.Alice.Encrypt("skipped"u8);
        // The held message's chain plus MaxReceivingChains newer ones: the held chain is dropped.
        for (var i = 0; i <= RatchetConstants.MaxReceivingChains; i++)
        {
            Pair.Decrypt(p.Bob, p.Alice.Encrypt("x"u8));
            Pair.Decrypt(p.Alice, p.Bob.Encrypt("y"u8));
        }

        Assert.Equal(RatchetConstants.MaxReceivingChains, p.Bob.Primary!.ReceivingChainCount);
        Assert.False(p.Bob.TryDecrypt(held, out _, out _));
        Assert.Equal("ok"u8.ToArray(), Pair.Decrypt(p.Bob, p.Alice.Encrypt("ok"u8)));
    }

    [Fact]
    public void TryDecrypt_WrongRecipientOrReflection_Fails()
    {
        using var p = new Pair();
        using var carolKey = SecretKey.Generate();
        using var carol = PeerSession.Create(carolKey, p.AliceKey.PublicKey);
        var m = p.Alice.Encrypt("for bob"u8);
        Assert.False(carol.TryDecrypt(m, out _, out _));
        Assert.False(p.Alice.TryDecrypt(m, out _, out _));
        Assert.Equal("for bob"u8.ToArray(), Pair.Decrypt(p.Bob, m));

        // A message from Bob to Alice cannot be passed off as coming from Carol.
        using var aliceWithCarol = PeerSession.Create(p.AliceKey, carolKey.PublicKey);
        Assert.False(aliceWithCarol.TryDecrypt(p.Bob.Encrypt("from bob"u8), out _, out _));
    }

    [Fact]
    public void TryDecrypt_NoSessionAndNoSetup_Fails()
    {
        using var p = new Pair();
        p.Establish();
        using var fresh = PeerSession.Create(p.BobKey, p.AliceKey.PublicKey);
        Assert.False(fresh.TryDecrypt(p.Alice.Encrypt("x"u8), out _, out _));
        Assert.Equal(DecryptFailure.UnknownSession, fresh.LastFailure);
    }

    [Fact]
    public void TryDecrypt_MalformedShapes_ReturnFalse()
    {
        using var p = new Pair();
        var m = p.Alice.Encrypt("x"u8);
        Assert.False(p.Bob.TryDecrypt(m with { Nonce = new byte[11] }, out _, out _));
        Assert.False(p.Bob.TryDecrypt(m with { Ciphertext = new byte[15] }, out _, out _));
        Assert.False(p.Bob.TryDecrypt(m with { Header = m.Header with { RatchetKey = new byte[31] } }, out _, out _));
        Assert.False(p.Bob.TryDecrypt(m with { Header = m.Header with { SetupEphemeralKey = new byte[33] } }, out _, out _));
        Assert.False(p.Bob.TryDecrypt(m with { Header = m.Header with { SetupEphemeralKey = new byte[32] } }, out _, out _)); // low order
        Assert.Equal("x"u8.ToArray(), Pair.Decrypt(p.Bob, m));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void SimultaneousFirstContact_ConvergesOnTheSmallerIdsSession(bool aliceFirst, bool extraBeforeDelivery)
    {
        using var p = new Pair();
        var fromAlice = new List<RatchetMessage> { p.Alice.Encrypt("a1"u8) };
        var fromBob = new List<RatchetMessage> { p.Bob.Encrypt("b1"u8) };
        if (extraBeforeDelivery)
        {
            fromAlice.Add(p.Alice.Encrypt("a2"u8));
            fromBob.Add(p.Bob.Encrypt("b2"u8));
        }

        var aliceSetup = fromAlice[0].Header.SetupEphemeralKey!;
        var bobSetup = fromBob[0].Header.SetupEphemeralKey!;
        var aliceWins = p.AliceKey.PublicKey.CompareTo(p.BobKey.PublicKey) < 0;

        void DeliverToBob()
        {
            foreach (var m in fromAlice)
            {
                Pair.Decrypt(p.Bob, m);
            }
        }

        void DeliverToAlice()
        {
            foreach (var m in fromBob)
            {
                Pair.Decrypt(p.Alice, m);
            }
        }

        if (aliceFirst)
        {
            DeliverToBob();
            DeliverToAlice();
        }
        else
        {
            DeliverToAlice();
            DeliverToBob();
        }

        // Both now use the winner's session.
        var winnerSetup = aliceWins ? aliceSetup : bobSetup;
        Assert.Equal(winnerSetup, p.Alice.Primary!.SetupKey);
        Assert.Equal(winnerSetup, p.Bob.Primary!.SetupKey);

        // And keep talking in both directions.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Utf8($"a{i}"), Pair.Decrypt(p.Bob, p.Alice.Encrypt(Utf8($"a{i}"))));
            Assert.Equal(Utf8($"b{i}"), Pair.Decrypt(p.Alice, p.Bob.Encrypt(Utf8($"b{i}"))));
        }

        Assert.True(p.Alice.HasReceived);
        Assert.True(p.Bob.HasReceived);
    }

    [Fact]
    public void PeerLosesState_NewSessionReplacesEstablishedOne_WithReset()
    {
        using var p = new Pair();
        p.Establish();
        var beforeLoss = p.Bob.Encrypt("before"u8);

        // Bob loses everything and writes again.
        p.Bob.Dispose();
        p.Bob = PeerSession.Create(p.BobKey, p.AliceKey.PublicKey);
        var restart = p.Bob.Encrypt("i lost my phone"u8);
        Assert.NotNull(restart.Header.SetupEphemeralKey);
        Assert.True(p.Alice.TryDecrypt(restart, out var plaintext, out var reset));
        Assert.True(reset);
        Assert.Equal("i lost my phone"u8.ToArray(), plaintext);

        // The conversation continues on the new session; the old session's messages no longer decrypt.
        Assert.Equal("welcome back"u8.ToArray(), Pair.Decrypt(p.Bob, p.Alice.Encrypt("welcome back"u8)));
        Assert.False(p.Alice.TryDecrypt(beforeLoss, out _, out _));

        // A replay of the restart message cannot reset again.
        Assert.False(p.Alice.TryDecrypt(restart, out _, out var reset2));
        Assert.False(reset2);
        Assert.Equal("on"u8.ToArray(), Pair.Decrypt(p.Alice, p.Bob.Encrypt("on"u8)));
    }

    [Fact]
    public void InitiatorLosesState_ResponderResets()
    {
        using var p = new Pair();
        p.Establish();
        p.Alice.Dispose();
        p.Alice = PeerSession.Create(p.AliceKey, p.BobKey.PublicKey);
        Assert.True(p.Bob.TryDecrypt(p.Alice.Encrypt("again"u8), out var plaintext, out var reset));
        Assert.True(reset);
        Assert.Equal("again"u8.ToArray(), plaintext);
        Assert.Equal("ok"u8.ToArray(), Pair.Decrypt(p.Alice, p.Bob.Encrypt("ok"u8)));
    }

    [Fact]
    public void OldSetupMessage_ReplayedAfterReset_IsRefused()
    {
        using var p = new Pair();
        var first = p.Alice.Encrypt("first"u8);
        Pair.Decrypt(p.Bob, first);
        Pair.Decrypt(p.Alice, p.Bob.Encrypt("r"u8));
        p.Alice.Dispose();
        p.Alice = PeerSession.Create(p.AliceKey, p.BobKey.PublicKey);
        Assert.True(p.Bob.TryDecrypt(p.Alice.Encrypt("new"u8), out _, out var reset));
        Assert.True(reset);
        Assert.False(p.Bob.TryDecrypt(first, out _, out var reset2));
        Assert.False(reset2);
        Assert.Equal(DecryptFailure.Replay, p.Bob.LastFailure);
    }

    [Fact]
    public void StartOver_OldFirstMessageReplayed_RefusedBecauseSeenSetupKeysSurvive()
    {
        using var p = new Pair();
        var first = p.Alice.Encrypt("offer"u8);
        Pair.Decrypt(p.Bob, first);
        var reset = p.Bob.StartOver(p.BobKey);
        p.Bob.Dispose();
        p.Bob = PeerSession.Deserialize(p.BobKey, reset.Serialize());
        reset.Dispose();
        Assert.Null(p.Bob.Primary);
        Assert.False(p.Bob.TryDecrypt(first, out _, out _));
        Assert.Equal(DecryptFailure.Replay, p.Bob.LastFailure);
        Assert.False(p.Bob.LastFailureMeansLostState);
    }

    [Fact]
    public void SeenSetupKeys_ManyRestartsLater_OldestFirstMessageStillRefused()
    {
        using var p = new Pair();
        var oldest = p.Alice.Encrypt("first ever"u8);
        Pair.Decrypt(p.Bob, oldest);
        for (var i = 0; i < 40; i++)
        {
            Pair.Decrypt(p.Alice, p.Bob.Encrypt("r"u8));
            p.Alice.Dispose();
            p.Alice = PeerSession.Create(p.AliceKey, p.BobKey.PublicKey);
            Assert.True(p.Bob.TryDecrypt(p.Alice.Encrypt("again"u8), out _, out var restarted));
            Assert.True(restarted);
        }

        using var reloaded = PeerSession.Deserialize(p.BobKey, p.Bob.Serialize());
        Assert.False(reloaded.TryDecrypt(oldest, out _, out var reset));
        Assert.False(reset);
        Assert.Equal(DecryptFailure.Replay, reloaded.LastFailure);
    }

    [Fact]
    public void LastFailureMeansLostState_OnlyForMessagesOfASessionWeDoNotHave()
    {
        using var p = new Pair();
        p.Establish();
        var onOldSession = p.Alice.Encrypt("hello"u8);

        // Bob lost his state: a message without setup data cannot be placed.
        using (var lost = PeerSession.Create(p.BobKey, p.AliceKey.PublicKey))
        {
            Assert.False(lost.TryDecrypt(onOldSession, out _, out _));
            Assert.True(lost.LastFailureMeansLostState);
        }

        // Bob still has it: a replay or a tampered copy is not state loss.
        Pair.Decrypt(p.Bob, onOldSession);
        Assert.False(p.Bob.TryDecrypt(onOldSession, out _, out _));
        Assert.False(p.Bob.LastFailureMeansLostState);
        var tampered = p.Alice.Encrypt("x"u8);
        tampered.Ciphertext[0] ^= 1;
        Assert.False(p.Bob.TryDecrypt(tampered, out _, out _));
        Assert.False(p.Bob.LastFailureMeansLostState);
    }

    [Fact]
    public void Responder_AfterFirstMessage_StateNoLongerHoldsIdentityPrivateKey()
    {
        using var p = new Pair();
        var bobIdentityPrivate = new byte[32];
        using (var seed = p.BobKey.ReadSeed())
        {
            KeyConversion.ConvertSeed(seed.Span, bobIdentityPrivate);
        }
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("first"u8));
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("second, same chain"u8));

        // The identity key served its one DH when the first message arrived; neither memory nor the stored state
        // keeps it while Bob is silent ...
        Assert.Equal(-1, p.Bob.Serialize().AsSpan().IndexOf(bobIdentityPrivate));
        using (var restored = PeerSession.Deserialize(p.BobKey, p.Bob.Serialize()))
        {
            Assert.Equal(-1, restored.Serialize().AsSpan().IndexOf(bobIdentityPrivate));
        }

        // ... and the first reply (on a fresh ratchet key) still reaches Alice, from the live and a restored session.
        using var bobRestored = PeerSession.Deserialize(p.BobKey, p.Bob.Serialize());
        Assert.Equal("reply"u8.ToArray(), Pair.Decrypt(p.Alice, bobRestored.Encrypt("reply"u8)));
        Assert.Equal(-1, bobRestored.Serialize().AsSpan().IndexOf(bobIdentityPrivate));
    }

    [Fact]
    public void SimultaneousFirstContact_SecondarySessionDoesNotHoldIdentityPrivateKey()
    {
        using var p = new Pair();
        var alicePrivate = new byte[32];
        var bobPrivate = new byte[32];
        using (var alice = p.AliceKey.ReadSeed())
        using (var bob = p.BobKey.ReadSeed())
        {
            KeyConversion.ConvertSeed(alice.Span, alicePrivate);
            KeyConversion.ConvertSeed(bob.Span, bobPrivate);
        }
        var fromAlice = p.Alice.Encrypt("a"u8);
        var fromBob = p.Bob.Encrypt("b"u8);
        Pair.Decrypt(p.Bob, fromAlice);
        Pair.Decrypt(p.Alice, fromBob);

        // Whichever side won keeps the other's session as a receive-only secondary: it must not keep the identity key.
        Assert.Equal(-1, p.Alice.Serialize().AsSpan().IndexOf(alicePrivate));
        Assert.Equal(-1, p.Bob.Serialize().AsSpan().IndexOf(bobPrivate));
    }

    [Fact]
    public void NewRatchetKeyBeforeReply_RefusedBeforeAnyDerivation_StateUntouched()
    {
        using var p = new Pair();
        p.Establish();
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("alice's new chain"u8));
        var before = p.Bob.Serialize();
        var steps = p.Bob.Primary!.ChainStepCount;

        // A second new ratchet key while Bob has not answered the first can only be forged or replayed from elsewhere:
        // the key it would need is already wiped.
        var other = new byte[32];
        X25519.PublicKeyFromPrivate(Enumerable.Repeat((byte)7, 32).ToArray(), other);
        var next = p.Alice.Encrypt("x"u8);
        var forged = next with { Header = next.Header with { RatchetKey = other } };
        Assert.False(p.Bob.TryDecrypt(forged, out _, out _));
        Assert.Equal(DecryptFailure.UnexpectedRatchetKey, p.Bob.LastFailure);
        Assert.Equal(steps, p.Bob.Primary!.ChainStepCount);
        Assert.Equal(before, p.Bob.Serialize());

        // The real message still decrypts, and the conversation goes on.
        Assert.Equal("x"u8.ToArray(), Pair.Decrypt(p.Bob, next));
        Assert.Equal("b"u8.ToArray(), Pair.Decrypt(p.Alice, p.Bob.Encrypt("b"u8)));
    }

    [Fact]
    public void SkippedKeys_WipedWhenUsedEvictedOrDisposed()
    {
        using var p = new Pair();
        p.Establish();
        var late = Enumerable.Range(0, 3).Select(i => p.Alice.Encrypt([(byte)i])).ToArray();
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("ahead"u8));
        var arena = p.Bob.Primary!.Keys;
        var slots = p.Bob.Primary!.SkippedKeySlots;
        Assert.Equal(3, slots.Count);
        var keys = slots.Select(s => arena[s].ToArray()).ToArray();
        Assert.All(keys, k => Assert.True(k.AsSpan().ContainsAnyExcept((byte)0)));

        // Used: the key of a late message is wiped (its slot zeroed) once it decrypted.
        var inUse = arena.SlotsInUse;
        Pair.Decrypt(p.Bob, late[1]);
        Assert.False(arena[slots[1]].ContainsAnyExcept((byte)0));
        Assert.Equal(inUse - 1, arena.SlotsInUse);
        Assert.Equal(keys[0], arena[slots[0]].ToArray());

        // A replay of it fails and derives nothing new.
        Assert.False(p.Bob.TryDecrypt(late[1], out _, out _));

        // Evicted: a jump of MaxSkip more keys on this chain pushes the oldest out; no slot holds them any more.
        for (var i = 0; i < RatchetConstants.MaxSkip; i++)
        {
            p.Alice.Encrypt("lost"u8);
        }

        Pair.Decrypt(p.Bob, p.Alice.Encrypt("far ahead"u8));
        var held = p.Bob.Primary!.SkippedKeySlots;
        Assert.Equal(RatchetConstants.MaxSkip, held.Count);
        Assert.DoesNotContain(held, s => arena[s].SequenceEqual(keys[0]) || arena[s].SequenceEqual(keys[2]));
        Assert.False(p.Bob.TryDecrypt(late[0], out _, out _));

        // Disposed: the arena is wiped and unmapped by sodium_free; nothing reads it afterwards.
        p.Bob.Dispose();
        Assert.True(arena.IsDisposed);
        Assert.Equal(0, arena.BlockCount);
        Assert.Throws<ObjectDisposedException>(() => arena[held[0]].ToArray());
        p.Bob = PeerSession.Create(p.BobKey, p.AliceKey.PublicKey);
    }

    [Fact]
    public void StartOver_OtherIdentity_Throws()
    {
        using var p = new Pair();
        Assert.Throws<ArgumentException>(() => p.Bob.StartOver(p.AliceKey));
    }

    [Fact]
    public void Create_InvalidArguments_Throw()
    {
        using var key = SecretKey.Generate();
        Assert.Throws<ArgumentException>(() => PeerSession.Create(key, key.PublicKey));
        var smallOrder = new EndpointId(Convert.FromHexString("0100000000000000000000000000000000000000000000000000000000000000"));
        var ex = Assert.Throws<RatchetException>(() => PeerSession.Create(key, smallOrder));
        Assert.Equal(RatchetError.InvalidRemoteIdentity, ex.Error);
    }

    [Fact]
    public void Dispose_MakesUseThrow_AndToStringHidesKeys()
    {
        using var p = new Pair();
        p.Establish();
        var session = p.Alice;
        Assert.DoesNotContain(p.BobKey.PublicKey.ToString(), session.ToString());
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Encrypt("x"u8));
        Assert.Throws<ObjectDisposedException>(() => session.Serialize());
    }
}
