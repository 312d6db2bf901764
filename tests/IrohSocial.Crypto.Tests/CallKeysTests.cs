namespace IrohSocial.Crypto.Tests;

public class CallKeysTests
{
    private static readonly byte[] CallerSecret = Enumerable.Repeat((byte)1, 32).ToArray();
    private static readonly byte[] CalleeSecret = Enumerable.Repeat((byte)2, 32).ToArray();
    private static readonly byte[] CallId = "call-1"u8.ToArray();

    [Fact]
    public void Derive_KnownAnswer_MatchesIndependentComputation()
    {
        // Computed with pyca/cryptography: HKDF-SHA256(ikm = 0x01*32 || 0x02*32, salt = "call-1",
        // info = "iroh-social/call/media/v1", L = 64), ChaCha20-Poly1305 nonce 01000000 || u64be(5), aad "hdr".
        using var caller = CallKeys.Derive(CallerSecret, CalleeSecret, CallId, isCaller: true);
        using var callee = CallKeys.Derive(CallerSecret, CalleeSecret, CallId, isCaller: false);
        var frame = new byte[5 + MediaFrameCipher.TagSize];
        caller.Send.Seal(1, 5, "hdr"u8, "frame"u8, frame);
        Assert.Equal("a61f45de72bd954096fad4d3848f0fc9a2c7ecf58b", Convert.ToHexStringLower(frame));
        callee.Send.Seal(1, 5, "hdr"u8, "frame"u8, frame);
        Assert.Equal("c39d22e5bb7b7f999428ab73c74a384ea893cca1d0", Convert.ToHexStringLower(frame));
    }

    [Fact]
    public void SendOfOneSide_OpensWithReceiveOfTheOther_InBothDirections()
    {
        using var caller = CallKeys.Derive(CallerSecret, CalleeSecret, CallId, isCaller: true);
        using var callee = CallKeys.Derive(CallerSecret, CalleeSecret, CallId, isCaller: false);
        RoundTrip(caller.Send, callee.Receive);
        RoundTrip(callee.Send, caller.Receive);

        // The two directions use different keys: a frame never opens with the sender's own receive key.
        var frame = new byte[4 + MediaFrameCipher.TagSize];
        caller.Send.Seal(0, 1, default, "ping"u8, frame);
        Assert.False(caller.Receive.TryOpen(0, 1, default, frame, new byte[4]));
    }

    private static void RoundTrip(MediaFrameCipher send, MediaFrameCipher receive)
    {
        var payload = Enumerable.Range(0, 1200).Select(i => (byte)i).ToArray();
        var sealedFrame = new byte[payload.Length + MediaFrameCipher.TagSize];
        send.Seal(2, 123_456_789_012, "header"u8, payload, sealedFrame);
        var opened = new byte[payload.Length];
        Assert.True(receive.TryOpen(2, 123_456_789_012, "header"u8, sealedFrame, opened));
        Assert.Equal(payload, opened);
    }

    [Fact]
    public void TryOpen_WrongStreamKindSequenceAadOrTamper_Fails()
    {
        using var caller = CallKeys.Derive(CallerSecret, CalleeSecret, CallId, isCaller: true);
        using var callee = CallKeys.Derive(CallerSecret, CalleeSecret, CallId, isCaller: false);
        var frame = new byte[10 + MediaFrameCipher.TagSize];
        caller.Send.Seal(1, 42, "a"u8, "0123456789"u8, frame);
        var dest = new byte[10];
        Assert.False(callee.Receive.TryOpen(2, 42, "a"u8, frame, dest));
        Assert.False(callee.Receive.TryOpen(1, 43, "a"u8, frame, dest));
        Assert.False(callee.Receive.TryOpen(1, 42, "b"u8, frame, dest));
        Assert.False(callee.Receive.TryOpen(1, 42, "a"u8, frame.AsSpan(0, MediaFrameCipher.TagSize - 1), dest));
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] ^= 0x80;
            Assert.False(callee.Receive.TryOpen(1, 42, "a"u8, frame, dest));
            frame[i] ^= 0x80;
        }

        Assert.True(callee.Receive.TryOpen(1, 42, "a"u8, frame, dest));
    }

    [Fact]
    public void Derive_DifferentCallIdOrSecret_GivesUnrelatedKeys()
    {
        using var caller = CallKeys.Derive(CallerSecret, CalleeSecret, CallId, isCaller: true);
        using var otherCall = CallKeys.Derive(CallerSecret, CalleeSecret, "call-2"u8, isCaller: false);
        using var otherSecret = CallKeys.Derive(CallerSecret, CallKeys.NewSecret(), CallId, isCaller: false);
        var frame = new byte[3 + MediaFrameCipher.TagSize];
        caller.Send.Seal(0, 0, default, "abc"u8, frame);
        Assert.False(otherCall.Receive.TryOpen(0, 0, default, frame, new byte[3]));
        Assert.False(otherSecret.Receive.TryOpen(0, 0, default, frame, new byte[3]));
    }

    [Fact]
    public void Derive_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => CallKeys.Derive(new byte[31], CalleeSecret, CallId, true));
        Assert.Throws<ArgumentException>(() => CallKeys.Derive(CallerSecret, new byte[33], CallId, true));
        Assert.Throws<ArgumentException>(() => CallKeys.Derive(CallerSecret, CalleeSecret, default, true));
        Assert.Throws<ArgumentException>(() => CallKeys.Derive(CallerSecret, CalleeSecret, new byte[256], true));
    }

    [Fact]
    public void Seal_And_TryOpen_DestinationTooSmall_Throw()
    {
        using var keys = CallKeys.Derive(CallerSecret, CalleeSecret, CallId, isCaller: true);
        Assert.Throws<ArgumentException>(() => keys.Send.Seal(0, 0, default, new byte[10], new byte[10 + MediaFrameCipher.TagSize - 1]));
        var frame = new byte[10 + MediaFrameCipher.TagSize];
        keys.Send.Seal(0, 0, default, new byte[10], frame);
        Assert.Throws<ArgumentException>(() => keys.Receive.TryOpen(0, 0, default, frame, new byte[9]));
    }

    [Fact]
    public void Dispose_MakesFurtherUseThrow()
    {
        var keys = CallKeys.Derive(CallerSecret, CalleeSecret, CallId, isCaller: true);
        keys.Dispose();
        Assert.Throws<ObjectDisposedException>(() => keys.Send.Seal(0, 0, default, default, new byte[16]));
        Assert.Throws<ObjectDisposedException>(() => keys.Receive.TryOpen(0, 0, default, new byte[16], default));
    }

    [Fact]
    public void NewSecret_Is32FreshBytes()
    {
        var a = CallKeys.NewSecret();
        var b = CallKeys.NewSecret();
        Assert.Equal(32, a.Length);
        Assert.NotEqual(a, b);
    }
}
