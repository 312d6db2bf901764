using System.Text;
using CsCheck;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto.Tests.Ratchet;

/// <summary>CsCheck properties over random delivery schedules and single-bit corruption.</summary>
public class RatchetPropertyTests
{
    private enum Op
    {
        SendFromAlice,
        SendFromBob,
        DeliverToBob,
        DeliverToAlice,
        DuplicateToBob,
        DuplicateToAlice,
        DropToBob,
        DropToAlice,
        Reload,
    }

    private static readonly Gen<(Op Op, int Pick)> OpGen =
        Gen.Select(Gen.Int[0, (int)Op.Reload].Select(i => (Op)i), Gen.Int[0, 1 << 20]);

    /// <summary>What one side has seen of the other side's chains, to predict which late messages must still decrypt.</summary>
    private sealed class Side(PeerSession session)
    {
        public PeerSession Session { get; set; } = session;

        public List<(RatchetMessage Message, string Text)> InFlight { get; } = [];

        public List<RatchetMessage> Delivered { get; } = [];

        public List<string> ChainsReceived { get; } = [];
    }

    [Fact]
    public void RandomSchedules_DeliverEachMessageExactlyOnce_AndBothSidesConverge()
    {
        Gen.Select(OpGen.Array[1, 70], Gen.Int[0, int.MaxValue]).Sample(
            t =>
            {
                var (ops, seed) = t;
                using var p = new Pair($"schedule/{seed}");
                var alice = new Side(p.Alice);
                var bob = new Side(p.Bob);

                // The first message is delivered so Bob is the responder (simultaneous starts have their own tests).
                Send(alice, bob, "first");
                Deliver(bob, 0);
                var counter = 0;
                foreach (var (op, pick) in ops)
                {
                    switch (op)
                    {
                        case Op.SendFromAlice: Send(alice, bob, $"a{counter++}"); break;
                        case Op.SendFromBob: Send(bob, alice, $"b{counter++}"); break;
                        case Op.DeliverToBob: Deliver(bob, pick); break;
                        case Op.DeliverToAlice: Deliver(alice, pick); break;
                        case Op.DuplicateToBob: Duplicate(bob, pick); break;
                        case Op.DuplicateToAlice: Duplicate(alice, pick); break;
                        case Op.DropToBob: Drop(bob, pick); break;
                        case Op.DropToAlice: Drop(alice, pick); break;
                        case Op.Reload:
                            var target = pick % 2 == 0 ? alice : bob;
                            var key = target == alice ? p.AliceKey : p.BobKey;
                            var data = target.Session.Serialize();
                            target.Session.Dispose();
                            target.Session = PeerSession.Deserialize(key, data, new DeterministicRandom($"reload/{seed}/{counter++}"));
                            Assert.Equal(data, target.Session.Serialize());
                            break;
                    }
                }

                // Whatever happened, fresh messages in both directions still get through.
                foreach (var (from, to) in new[] { (alice, bob), (bob, alice), (alice, bob) })
                {
                    var text = $"final {counter++}";
                    Assert.True(to.Session.TryDecrypt(from.Session.Encrypt(Encoding.UTF8.GetBytes(text)), out var plaintext, out var reset));
                    Assert.False(reset);
                    Assert.Equal(text, Encoding.UTF8.GetString(plaintext));
                }

                alice.Session.Dispose();
                bob.Session.Dispose();
                p.Alice = alice.Session;
                p.Bob = bob.Session;
            },
            iter: 150);
    }

    // The message joins the in-flight list of the receiving side "to".
    private static void Send(Side from, Side to, string text)
    {
        to.InFlight.Add((from.Session.Encrypt(Encoding.UTF8.GetBytes(text)), text));
    }

    private static void Deliver(Side to, int pick)
    {
        if (to.InFlight.Count == 0)
        {
            return;
        }

        var (message, text) = to.InFlight[pick % to.InFlight.Count];
        to.InFlight.RemoveAt(pick % to.InFlight.Count);
        var chain = Convert.ToHexString(message.Header.RatchetKey);
        var index = to.ChainsReceived.IndexOf(chain);
        var chainForgotten = index >= 0 && to.ChainsReceived.Count - 1 - index >= RatchetConstants.MaxReceivingChains;
        var ok = to.Session.TryDecrypt(message, out var plaintext, out var reset);
        Assert.False(reset);
        if (chainForgotten)
        {
            Assert.False(ok);
            return;
        }

        Assert.True(ok, $"genuine message failed: {to.Session.LastFailure}");
        Assert.Equal(text, Encoding.UTF8.GetString(plaintext));
        to.Delivered.Add(message);
        if (index < 0)
        {
            to.ChainsReceived.Add(chain);
        }
    }

    private static void Duplicate(Side to, int pick)
    {
        if (to.Delivered.Count == 0)
        {
            return;
        }

        var before = to.Session.Serialize();
        Assert.False(to.Session.TryDecrypt(to.Delivered[pick % to.Delivered.Count], out var plaintext, out _));
        Assert.Empty(plaintext);
        Assert.Equal(before, to.Session.Serialize());
    }

    private static void Drop(Side to, int pick)
    {
        if (to.InFlight.Count > 0)
        {
            to.InFlight.RemoveAt(pick % to.InFlight.Count);
        }
    }

    [Fact]
    public void SimultaneousStarts_WithInOrderDelivery_DecryptEverythingAndConverge()
    {
        // Both sides start before hearing from the other; each direction is delivered in order
        // (the outbox keeps per-peer order), interleaved at random with sends and duplicates.
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 3], Gen.Int[0, 3].Array[0, 40], Gen.Int[0, int.MaxValue]).Sample(
            t =>
            {
                var (aliceFirst, bobFirst, ops, seed) = t;
                using var p = new Pair($"simultaneous/{seed}");
                var toBob = new Queue<(RatchetMessage, string)>();
                var toAlice = new Queue<(RatchetMessage, string)>();
                var deliveredToBob = new List<RatchetMessage>();
                var deliveredToAlice = new List<RatchetMessage>();
                var n = 0;
                for (var i = 0; i < aliceFirst; i++)
                {
                    var text = $"a{n++}";
                    toBob.Enqueue((p.Alice.Encrypt(Encoding.UTF8.GetBytes(text)), text));
                }

                for (var i = 0; i < bobFirst; i++)
                {
                    var text = $"b{n++}";
                    toAlice.Enqueue((p.Bob.Encrypt(Encoding.UTF8.GetBytes(text)), text));
                }

                void DeliverNext(Queue<(RatchetMessage Message, string Text)> queue, PeerSession to, List<RatchetMessage> delivered)
                {
                    if (queue.Count == 0)
                    {
                        return;
                    }

                    var (message, text) = queue.Dequeue();
                    Assert.True(to.TryDecrypt(message, out var plaintext, out var reset), $"failed: {to.LastFailure}");
                    Assert.False(reset);
                    Assert.Equal(text, Encoding.UTF8.GetString(plaintext));
                    delivered.Add(message);

                    // A duplicate of anything delivered so far fails without touching the state.
                    var before = to.Serialize();
                    Assert.False(to.TryDecrypt(delivered[n % delivered.Count], out _, out _));
                    Assert.Equal(before, to.Serialize());
                }

                foreach (var op in ops)
                {
                    switch (op)
                    {
                        case 0: toBob.Enqueue((p.Alice.Encrypt(Encoding.UTF8.GetBytes($"a{n}")), $"a{n++}")); break;
                        case 1: toAlice.Enqueue((p.Bob.Encrypt(Encoding.UTF8.GetBytes($"b{n}")), $"b{n++}")); break;
                        case 2: DeliverNext(toBob, p.Bob, deliveredToBob); break;
                        default: DeliverNext(toAlice, p.Alice, deliveredToAlice); break;
                    }
                }

                while (toBob.Count > 0 || toAlice.Count > 0)
                {
                    DeliverNext(toBob, p.Bob, deliveredToBob);
                    DeliverNext(toAlice, p.Alice, deliveredToAlice);
                }

                // One round trip later both sides are on the same session, the smaller id's if both started it.
                Assert.True(p.Bob.TryDecrypt(p.Alice.Encrypt("x"u8), out _, out _));
                Assert.True(p.Alice.TryDecrypt(p.Bob.Encrypt("y"u8), out _, out _));
                Assert.Equal(p.Alice.Primary!.SetupKey, p.Bob.Primary!.SetupKey);
                Assert.True(p.Alice.HasReceived && p.Bob.HasReceived);
            },
            iter: 150);
    }

    [Fact]
    public void AnySingleBitFlip_InHeaderNonceOrCiphertext_FailsAndLeavesStateUntouched()
    {
        Gen.Select(Gen.Int[0, 6], Gen.Bool, Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Sample(
            t =>
            {
                var (exchanges, bobSends, bitPick, seed) = t;
                using var p = new Pair($"flip/{seed}");
                for (var i = 0; i < exchanges; i++)
                {
                    Pair.Decrypt(p.Bob, p.Alice.Encrypt("ping"u8));
                    if (i % 2 == 1)
                    {
                        Pair.Decrypt(p.Alice, p.Bob.Encrypt("pong"u8));
                    }
                }

                var (sender, receiver) = bobSends && exchanges > 0 ? (p.Bob, p.Alice) : (p.Alice, p.Bob);
                var genuine = sender.Encrypt("the genuine message"u8);
                var bytes = genuine.ToBytes();
                var bit = bitPick % (bytes.Length * 8);
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                var before = receiver.Serialize();
                if (RatchetMessage.TryParse(bytes, out var corrupted))
                {
                    Assert.False(receiver.TryDecrypt(corrupted, out var plaintext, out var reset));
                    Assert.Empty(plaintext);
                    Assert.False(reset);
                }

                Assert.Equal(before, receiver.Serialize());
                Assert.Equal("the genuine message"u8.ToArray(), Pair.Decrypt(receiver, genuine));
            },
            iter: 300);
    }

    [Fact]
    public void CorruptedSerializedState_EitherLoadsOrThrowsRatchetException()
    {
        using var p = new Pair("corrupt");
        p.Establish();
        p.Alice.Encrypt("skipped"u8);
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("x"u8));
        var data = p.Bob.Serialize();
        Gen.Select(Gen.Int[0, data.Length - 1], Gen.Byte[1, 255]).Sample(
            t =>
            {
                var copy = (byte[])data.Clone();
                copy[t.Item1] ^= t.Item2;
                try
                {
                    using var loaded = PeerSession.Deserialize(p.BobKey, copy);
                }
                catch (RatchetException)
                {
                }
            },
            iter: 400);
    }
}
