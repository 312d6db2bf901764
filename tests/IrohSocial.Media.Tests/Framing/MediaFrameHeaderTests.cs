using CsCheck;
using IrohSocial.Media.Framing;

namespace IrohSocial.Media.Tests.Framing;

public sealed class MediaFrameHeaderTests
{
    [Fact]
    public void WriteTo_KnownAnswer_IsBigEndianSequenceTimestampLength()
    {
        var header = new MediaFrameHeader(0x01020304, 0x1112131415161718, 0x2122);
        var bytes = new byte[MediaFrameHeader.Size];
        header.WriteTo(bytes);
        Assert.Equal("01020304" + "1112131415161718" + "2122", Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void TryRead_KnownAnswer_ParsesFields()
    {
        Assert.True(MediaFrameHeader.TryRead(Convert.FromHexString("0000002a00000000000f4240001c"), out MediaFrameHeader header));
        Assert.Equal(new MediaFrameHeader(42, 1_000_000, 28), header);
    }

    [Fact]
    public void TryRead_ShortInput_Fails()
    {
        Assert.False(MediaFrameHeader.TryRead(new byte[MediaFrameHeader.Size - 1], out _));
    }

    [Fact]
    public void WriteThenRead_AnyHeader_RoundTrips()
    {
        Gen.Select(Gen.UInt, Gen.ULong, Gen.UShort).Sample((sequence, timestamp, length) =>
        {
            var header = new MediaFrameHeader(sequence, timestamp, length);
            var bytes = new byte[MediaFrameHeader.Size];
            header.WriteTo(bytes);
            return MediaFrameHeader.TryRead(bytes, out MediaFrameHeader parsed) && parsed == header;
        });
    }
}
