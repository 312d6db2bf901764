using CsCheck;
using IrohSocial.Messaging.Internal;

namespace IrohSocial.Messaging.Tests.Protocol;

public sealed class FrameCodecTests
{
    [Fact]
    public void Encode_KnownAnswer_BigEndianLengthPrefix() =>
        Assert.Equal(Convert.FromHexString("000000036869ff"), FrameCodec.Encode([0x68, 0x69, 0xff]));

    [Fact]
    public async Task ReadFrame_RoundTripsSequence_ThenCleanEnd()
    {
        var stream = new MemoryStream();
        await FrameCodec.WriteFrameAsync(stream, new byte[] { 1, 2, 3 }, default);
        await FrameCodec.WriteFrameAsync(stream, new byte[300], default);
        stream.Position = 0;
        Assert.Equal(new byte[] { 1, 2, 3 }, await FrameCodec.ReadFrameAsync(stream, 1024, default));
        Assert.Equal(300, (await FrameCodec.ReadFrameAsync(stream, 1024, default))!.Length);
        Assert.Null(await FrameCodec.ReadFrameAsync(stream, 1024, default));
    }

    [Fact]
    public async Task ReadFrame_OversizedLength_RejectedBeforeReadingPayload()
    {
        var stream = new CountingStream(FrameCodec.Encode(new byte[2000]));
        var ex = await Assert.ThrowsAsync<MessagingException>(async () => await FrameCodec.ReadFrameAsync(stream, 1024, default));
        Assert.Equal(MessagingError.FrameTooLarge, ex.Error);
        Assert.Equal(FrameCodec.HeaderSize, stream.BytesRead);
    }

    [Theory]
    [InlineData("00000000")]
    [InlineData("000000")]
    [InlineData("000000050102")]
    public async Task ReadFrame_ZeroOrTruncated_TypedError(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        var ex = await Assert.ThrowsAsync<MessagingException>(async () => await FrameCodec.ReadFrameAsync(new MemoryStream(bytes), 1024, default));
        Assert.True(ex.Error is MessagingError.FrameTooLarge or MessagingError.MalformedFrame);
    }

    [Fact]
    public void ReadFrame_ArbitraryBytes_OnlyTypedErrors() =>
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            try
            {
                var frame = FrameCodec.ReadFrameAsync(new MemoryStream(bytes), 32, default).AsTask().GetAwaiter().GetResult();
                return frame is null ? bytes.Length == 0 : frame.Length <= 32;
            }
            catch (MessagingException)
            {
                return true;
            }
        });

    private sealed class CountingStream(byte[] data) : MemoryStream(data)
    {
        public int BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = base.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }
    }
}
