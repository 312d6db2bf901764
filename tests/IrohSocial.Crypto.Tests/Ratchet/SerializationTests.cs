using IrohSocial.Crypto.Internal;
namespace IrohSocial.Crypto.Tests.Ratchet;

public class SerializationTests
{
    [Fact]
    public void SerializeDeserialize_MidConversation_ContinuesWithSkippedKeysAndSecondary()
    {
        using var p = new Pair();
        var bobsEarly = p.Bob.Encrypt("simultaneous"u8); // Bob also starts: one side keeps a secondary
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("hello"u8));
        Pair.Decrypt(p.Alice, bobsEarly);
        Pair.Decrypt(p.Alice, p.Bob.Encrypt("hi"u8));
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("hello again"u8));
        var held = p.Alice.Encrypt("held back"u8);
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("overtakes"u8));

        var aliceData = p.Alice.Serialize();
        var bobData = p.Bob.Serialize();
        p.Alice.Dispose();
        p.Bob.Dispose();
        p.Alice = PeerSession.Deserialize(p.AliceKey, aliceData);
        p.Bob = PeerSession.Deserialize(p.BobKey, bobData);
        Assert.Equal(aliceData, p.Alice.Serialize());
        Assert.Equal(bobData, p.Bob.Serialize());
        Assert.Equal(p.BobKey.PublicKey, p.Alice.Remote);
        Assert.True(p.Alice.HasReceived);

        Assert.Equal("held back"u8.ToArray(), Pair.Decrypt(p.Bob, held));
        Assert.False(p.Bob.TryDecrypt(held, out _, out _));
        Assert.Equal("on"u8.ToArray(), Pair.Decrypt(p.Alice, p.Bob.Encrypt("on"u8)));
        Assert.Equal("and on"u8.ToArray(), Pair.Decrypt(p.Bob, p.Alice.Encrypt("and on"u8)));
    }

    [Fact]
    public void Serialize_EmptyAndFreshInitiator_RoundTrip()
    {
        using var p = new Pair();
        var empty = p.Alice.Serialize();
        using (var restored = PeerSession.Deserialize(p.AliceKey, empty))
        {
            Assert.Equal(empty, restored.Serialize());
            Assert.False(restored.HasReceived);
        }

        var first = p.Alice.Encrypt("one"u8);
        using var reloaded = PeerSession.Deserialize(p.AliceKey, p.Alice.Serialize());
        var second = reloaded.Encrypt("two"u8);
        Assert.Equal(first.Header.SetupEphemeralKey, second.Header.SetupEphemeralKey);
        Assert.Equal(1u, second.Header.MessageNumber);
        Assert.Equal("two"u8.ToArray(), Pair.Decrypt(p.Bob, second));
        Assert.Equal("one"u8.ToArray(), Pair.Decrypt(p.Bob, first));
    }

    [Fact]
    public void Deserialize_OtherIdentity_ThrowsWrongIdentity()
    {
        using var p = new Pair();
        p.Establish();
        var ex = Assert.Throws<RatchetException>(() => PeerSession.Deserialize(p.BobKey, p.Alice.Serialize()));
        Assert.Equal(RatchetError.WrongIdentity, ex.Error);
    }

    [Fact]
    public void Deserialize_UnknownVersion_ThrowsUnsupportedVersion()
    {
        using var p = new Pair();
        var data = p.Alice.Serialize();
        data[0] = 3;
        Assert.Equal(RatchetError.UnsupportedVersion, Assert.Throws<RatchetException>(() => PeerSession.Deserialize(p.AliceKey, data)).Error);
    }

    [Fact]
    public void Deserialize_Format1WithRememberedSetupKey_StillReadAndKeyStaysRefused()
    {
        using var p = new Pair();
        var first = p.Alice.Encrypt("old"u8);
        // Format 1: [0x01][local][remote][u8 n][n x 32 raw setup keys][0 = no current][0 = no secondary].
        var v1 = new List<byte> { 1 };
        v1.AddRange(p.BobKey.PublicKey.ToArray());
        v1.AddRange(p.AliceKey.PublicKey.ToArray());
        v1.Add(1);
        v1.AddRange(first.Header.SetupEphemeralKey!);
        v1.AddRange(new byte[] { 0, 0 });
        using var restored = PeerSession.Deserialize(p.BobKey, v1.ToArray());
        Assert.False(restored.TryDecrypt(first, out _, out _));
        Assert.Equal(DecryptFailure.Replay, restored.LastFailure);
        Assert.Equal(2, restored.Serialize()[0]);
    }

    [Fact]
    public void Deserialize_EveryTruncationAndTrailingByte_ThrowsInvalidState()
    {
        using var p = new Pair();
        p.Establish();
        p.Alice.Encrypt("skipped"u8);
        Pair.Decrypt(p.Bob, p.Alice.Encrypt("x"u8));
        var data = p.Bob.Serialize();
        for (var len = 1; len < data.Length; len++)
        {
            var ex = Assert.Throws<RatchetException>(() => PeerSession.Deserialize(p.BobKey, data.AsSpan(0, len)));
            Assert.Equal(RatchetError.InvalidState, ex.Error);
        }

        Assert.Equal(RatchetError.InvalidState, Assert.Throws<RatchetException>(() => PeerSession.Deserialize(p.BobKey, [.. data, 0])).Error);
        Assert.Equal(RatchetError.InvalidState, Assert.Throws<RatchetException>(() => PeerSession.Deserialize(p.BobKey, [])).Error);
    }

    [Fact]
    public void SealedState_RoundTripsThroughAtRestSealer()
    {
        using var p = new Pair();
        p.Establish();
        using var sealer = new AtRestSealer(p.AliceKey);
        var blob = sealer.Seal(p.Alice.Serialize(), "session:bob"u8);
        using var restored = PeerSession.Deserialize(p.AliceKey, sealer.Open(blob, "session:bob"u8));
        Assert.Equal("sealed"u8.ToArray(), Pair.Decrypt(p.Bob, restored.Encrypt("sealed"u8)));
    }
}
