using IrohSocial.Crypto;
using IrohSocial.Media.Calls.Internal;
using IrohSocial.Media.Framing;

namespace IrohSocial.Media.Tests.Calls;

/// <summary>Per-leg keys: epoch 0 is the plain call key; every restore gets fresh keys that both sides agree on.</summary>
public sealed class CallLegKeysTests
{
    private static readonly byte[] CallerSecret = Enumerable.Repeat((byte)1, 32).ToArray();
    private static readonly byte[] CalleeSecret = Enumerable.Repeat((byte)2, 32).ToArray();
    private static readonly Guid CallId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    [Fact]
    public void EpochZero_IsTheCallKeyOverTheCallIdBytes()
    {
        using CallKeys leg = CallLeg.DeriveKeys(CallerSecret, CalleeSecret, CallId, 0, isCaller: true);
        using CallKeys plain = CallKeys.Derive(CallerSecret, CalleeSecret, CallId.ToByteArray(bigEndian: true), isCaller: true);
        byte[] frame = new MediaFrameSealer(leg.Send, MediaStreamKind.Audio).Seal(5, "hello"u8);
        Assert.Equal(frame, new MediaFrameSealer(plain.Send, MediaStreamKind.Audio).Seal(5, "hello"u8));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(7u)]
    public void CallerSends_CalleeOpens_InTheSameEpoch(uint epoch)
    {
        using CallKeys caller = CallLeg.DeriveKeys(CallerSecret, CalleeSecret, CallId, epoch, isCaller: true);
        using CallKeys callee = CallLeg.DeriveKeys(CallerSecret, CalleeSecret, CallId, epoch, isCaller: false);
        byte[] frame = new MediaFrameSealer(caller.Send, MediaStreamKind.Audio).Seal(5, "hello"u8);
        Assert.True(MediaFrameHeader.TryRead(frame, out MediaFrameHeader header));
        var opener = new MediaFrameOpener(callee.Receive, MediaStreamKind.Audio);
        Assert.Equal(MediaFrameOpenResult.Opened, opener.TryOpen(new MediaFrame(header, frame.AsMemory(MediaFrameHeader.Size)), out byte[] payload));
        Assert.Equal("hello"u8.ToArray(), payload);
    }

    [Fact]
    public void DifferentEpochs_HaveDifferentKeys_SoRestartedSequencesNeverRepeatANonce()
    {
        using CallKeys first = CallLeg.DeriveKeys(CallerSecret, CalleeSecret, CallId, 0, isCaller: true);
        using CallKeys second = CallLeg.DeriveKeys(CallerSecret, CalleeSecret, CallId, 1, isCaller: true);
        using CallKeys calleeSecond = CallLeg.DeriveKeys(CallerSecret, CalleeSecret, CallId, 1, isCaller: false);
        byte[] a = new MediaFrameSealer(first.Send, MediaStreamKind.Audio).Seal(5, "hello"u8);
        byte[] b = new MediaFrameSealer(second.Send, MediaStreamKind.Audio).Seal(5, "hello"u8);
        Assert.NotEqual(a, b);

        // A frame of the old leg does not open under the new leg's keys.
        Assert.True(MediaFrameHeader.TryRead(a, out MediaFrameHeader header));
        var opener = new MediaFrameOpener(calleeSecond.Receive, MediaStreamKind.Audio);
        Assert.NotEqual(MediaFrameOpenResult.Opened, opener.TryOpen(new MediaFrame(header, a.AsMemory(MediaFrameHeader.Size)), out _));
    }
}
