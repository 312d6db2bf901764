using System.Security.Cryptography;
using System.Text;
using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Tests.Support;

namespace IrohSocial.Media.Tests.Framing;

public sealed class MediaFrameSealerOpenerTests
{
    private static readonly byte[] Payload = Convert.FromHexString("0102030405");

    [Fact]
    public void Seal_KnownAnswer_MatchesIndependentChaCha20Poly1305()
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        using (caller)
        using (callee)
        {
            var sealer = new MediaFrameSealer(caller.Send, MediaStreamKind.Audio, firstSequence: 7);
            byte[] frame = sealer.Seal(1_000_000, Payload);

            // Rebuild the frame with the BCL: HKDF-SHA256(caller || callee, salt = call id, info = label),
            // first 32 bytes = caller->callee key; nonce = [kind][0 0 0][u64 sequence]; AD = header.
            byte[] okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. TestKeys.CallerSecret, .. TestKeys.CalleeSecret], 64,
                TestKeys.CallIdBytes(TestKeys.CallId), Encoding.ASCII.GetBytes(CallKeys.KeyLabel));
            byte[] header = Convert.FromHexString("00000007" + "00000000000f4240" + "0015");
            byte[] nonce = Convert.FromHexString("01000000" + "0000000000000007");
            var ciphertext = new byte[Payload.Length];
            var tag = new byte[16];
            using (var aead = new ChaCha20Poly1305(okm[..32]))
            {
                aead.Encrypt(nonce, Payload, ciphertext, tag, header);
            }

            Assert.Equal(Convert.ToHexStringLower([.. header, .. ciphertext, .. tag]), Convert.ToHexStringLower(frame));
            // Pinned so a change to any layer (KDF, nonce, header) shows up; also listed in docs/protocol.md.
            Assert.Equal(KnownFrameHex, Convert.ToHexStringLower(frame));
            Assert.Equal(8u, sealer.NextSequence);
        }
    }

    internal const string KnownFrameHex = "0000000700000000000f42400015" + "a8da422deb" + "30ca978d8bb3bc4c6dc258f2627cbbb0";

    [Fact]
    public void TryOpen_FrameFromPeer_ReturnsPayload()
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var sealer = new MediaFrameSealer(caller.Send, MediaStreamKind.Audio);
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio);

        Assert.Equal(MediaFrameOpenResult.Opened, opener.TryOpen(Parse(sealer.Seal(5, Payload)), out byte[] payload));
        Assert.Equal(Payload, payload);
        Assert.Equal(1, opener.OpenedFrames);
        Assert.Equal(0, opener.DroppedFrames);
    }

    [Fact]
    public void TryOpen_WrongKey_DroppedAndCounted()
    {
        (CallKeys caller, _) = TestKeys.ForCall(TestKeys.CallId, callerSecret: CallKeys.NewSecret());
        (_, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var sealer = new MediaFrameSealer(caller.Send, MediaStreamKind.Audio);
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio);

        Assert.Equal(MediaFrameOpenResult.AuthenticationFailed, opener.TryOpen(Parse(sealer.Seal(5, Payload)), out byte[] payload));
        Assert.Empty(payload);
        Assert.Equal(1, opener.AuthenticationFailures);
    }

    [Fact]
    public void TryOpen_WrongCallId_DroppedAndCounted()
    {
        (CallKeys otherCall, _) = TestKeys.ForCall(Guid.NewGuid());
        (_, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio);

        byte[] frame = new MediaFrameSealer(otherCall.Send, MediaStreamKind.Audio).Seal(5, Payload);
        Assert.Equal(MediaFrameOpenResult.AuthenticationFailed, opener.TryOpen(Parse(frame), out _));
        Assert.Equal(1, opener.AuthenticationFailures);
    }

    [Fact]
    public void TryOpen_SameFramesFromTwoStreamsAtOnce_EachOpensExactlyOnce()
    {
        // A leg's video streams share one opener: frames replayed on a second stream, even concurrently, open once.
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var sealer = new MediaFrameSealer(caller.Send, MediaStreamKind.Video);
        var frames = Enumerable.Range(0, 2000).Select(i => Parse(sealer.Seal((ulong)i, Payload))).ToArray();
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Video, replayWindow: 4096);
        var opened = 0;
        Parallel.For(0, 2, worker =>
        {
            foreach (var frame in frames)
            {
                if (opener.TryOpen(frame, out _) == MediaFrameOpenResult.Opened)
                {
                    Interlocked.Increment(ref opened);
                }
            }
        });
        Assert.Equal(frames.Length, opened);
        Assert.Equal(frames.Length, opener.ReplayedFrames);
    }

    [Fact]
    public void TryOpen_WrongStreamKindOrDirection_Dropped()
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        byte[] videoFrame = new MediaFrameSealer(caller.Send, MediaStreamKind.Video).Seal(5, Payload);
        byte[] ownFrame = new MediaFrameSealer(callee.Send, MediaStreamKind.Audio).Seal(5, Payload);
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio);

        Assert.Equal(MediaFrameOpenResult.AuthenticationFailed, opener.TryOpen(Parse(videoFrame), out _));
        Assert.Equal(MediaFrameOpenResult.AuthenticationFailed, opener.TryOpen(Parse(ownFrame), out _));
        Assert.Equal(2, opener.AuthenticationFailures);
    }

    [Theory]
    [InlineData(0)] // sequence
    [InlineData(6)] // timestamp
    [InlineData(13)] // length
    [InlineData(15)] // ciphertext
    public void TryOpen_TamperedByte_Dropped(int index)
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        byte[] frame = new MediaFrameSealer(caller.Send, MediaStreamKind.Audio).Seal(5, Payload);
        frame[index] ^= 0x01;
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio);

        MediaFrameOpenResult result = opener.TryOpen(Parse(frame), out _);
        Assert.NotEqual(MediaFrameOpenResult.Opened, result);
        Assert.Equal(1, opener.DroppedFrames);
    }

    [Fact]
    public void TryOpen_ReplayedAndTooOld_DroppedAndCounted()
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var sealer = new MediaFrameSealer(caller.Send, MediaStreamKind.Audio);
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio, replayWindow: 16);
        List<byte[]> frames = [.. Enumerable.Range(0, 40).Select(i => sealer.Seal((ulong)i, Payload))];

        Assert.Equal(MediaFrameOpenResult.Opened, opener.TryOpen(Parse(frames[0]), out _));
        Assert.Equal(MediaFrameOpenResult.Opened, opener.TryOpen(Parse(frames[30]), out _));
        Assert.Equal(MediaFrameOpenResult.Replayed, opener.TryOpen(Parse(frames[30]), out _));
        Assert.Equal(MediaFrameOpenResult.Opened, opener.TryOpen(Parse(frames[20]), out _)); // late but inside the window
        Assert.Equal(MediaFrameOpenResult.Replayed, opener.TryOpen(Parse(frames[20]), out _));
        Assert.Equal(MediaFrameOpenResult.TooOld, opener.TryOpen(Parse(frames[1]), out _));

        Assert.Equal(3, opener.OpenedFrames);
        Assert.Equal(2, opener.ReplayedFrames);
        Assert.Equal(1, opener.TooOldFrames);
    }

    [Fact]
    public void TryOpen_ForgedFarAheadSequence_DoesNotMoveWindow()
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var sealer = new MediaFrameSealer(caller.Send, MediaStreamKind.Audio);
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio, replayWindow: 16);
        byte[] genuine = sealer.Seal(1, Payload);
        byte[] forged = (byte[])genuine.Clone();
        forged[0] = 0x7f; // sequence 0x7f000000, tag no longer valid

        Assert.Equal(MediaFrameOpenResult.AuthenticationFailed, opener.TryOpen(Parse(forged), out _));
        Assert.Equal(MediaFrameOpenResult.Opened, opener.TryOpen(Parse(genuine), out _));
    }

    [Fact]
    public void TryOpen_ShortOrInconsistentData_Malformed()
    {
        (_, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio);
        Assert.Equal(MediaFrameOpenResult.Malformed, opener.TryOpen(new MediaFrame(new MediaFrameHeader(0, 0, 4), new byte[4]), out _));
        Assert.Equal(MediaFrameOpenResult.Malformed, opener.TryOpen(new MediaFrame(new MediaFrameHeader(0, 0, 30), new byte[20]), out _));
        Assert.Equal(2, opener.MalformedFrames);
    }

    [Fact]
    public void Seal_AfterLastSequence_Throws()
    {
        (CallKeys caller, _) = TestKeys.ForCall(TestKeys.CallId);
        var sealer = new MediaFrameSealer(caller.Send, MediaStreamKind.Audio, firstSequence: uint.MaxValue);
        sealer.Seal(0, Payload);
        Assert.Throws<InvalidOperationException>(() => sealer.Seal(0, Payload));
    }

    [Fact]
    public void TryOpen_AnyArrivalOrderWithDuplicates_OpensEachFreshSequenceOnce()
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var sealer = new MediaFrameSealer(caller.Send, MediaStreamKind.Audio);
        byte[][] frames = [.. Enumerable.Range(0, 64).Select(i => sealer.Seal((ulong)i, Payload))];

        Gen.Int[0, 63].Array[1, 200].Sample(order =>
        {
            var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio, replayWindow: 32);
            var opened = new HashSet<int>();
            int highest = -1;
            foreach (int i in order)
            {
                MediaFrameOpenResult result = opener.TryOpen(Parse(frames[i]), out _);
                bool expectFresh = !opened.Contains(i) && i + 32 > highest;
                Assert.Equal(expectFresh, result == MediaFrameOpenResult.Opened);
                if (expectFresh)
                {
                    opened.Add(i);
                    highest = Math.Max(highest, i);
                }
            }

            Assert.Equal(order.Length, opener.OpenedFrames + opener.ReplayedFrames + opener.TooOldFrames);
        });
    }

    private static MediaFrame Parse(byte[] wire)
    {
        Assert.True(MediaFrameHeader.TryRead(wire, out MediaFrameHeader header));
        return new MediaFrame(header, wire.AsMemory(MediaFrameHeader.Size));
    }
}
