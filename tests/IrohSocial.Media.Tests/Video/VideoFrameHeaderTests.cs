using System.Buffers;
using CsCheck;
using IrohSocial.Media.Video;

namespace IrohSocial.Media.Tests.Video;

public sealed class VideoFrameHeaderTests
{
    // Known-answer vectors, also listed in docs/protocol.md section 8.
    public static TheoryData<uint, ulong, bool, ushort, ushort, uint, string> Vectors => new()
    {
        { 7u, 1_000_000ul, true, 640, 480, 1234u, "00000007" + "00000000000f4240" + "01" + "0280" + "01e0" + "000004d2" },
        { 0xffffffffu, 0x0123456789abcdeful, false, 320, 240, 0u, "ffffffff" + "0123456789abcdef" + "00" + "0140" + "00f0" + "00000000" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void WriteTo_KnownAnswer_MatchesPinnedBytes(uint seq, ulong ts, bool key, ushort w, ushort h, uint len, string hex)
    {
        var bytes = new byte[VideoFrameHeader.Size];
        new VideoFrameHeader(seq, ts, key, w, h, len).WriteTo(bytes);
        Assert.Equal(hex, Convert.ToHexStringLower(bytes));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void TryRead_KnownAnswer_ParsesFields(uint seq, ulong ts, bool key, ushort w, ushort h, uint len, string hex)
    {
        Assert.Equal(OperationStatus.Done, VideoFrameHeader.TryRead(Convert.FromHexString(hex), out var header));
        Assert.Equal(new VideoFrameHeader(seq, ts, key, w, h, len), header);
    }

    [Theory]
    [InlineData("00000007" + "00000000000f4240" + "02" + "0280" + "01e0" + "000004d2")] // reserved flag bit
    [InlineData("00000007" + "00000000000f4240" + "01" + "0000" + "01e0" + "000004d2")] // zero width
    [InlineData("00000007" + "00000000000f4240" + "01" + "0280" + "0000" + "000004d2")] // zero height
    [InlineData("00000007" + "00000000000f4240" + "01" + "0280" + "01e0" + "00400001")] // payload over 4 MiB
    public void TryRead_InvalidHeader_ReturnsInvalidData(string hex)
    {
        Assert.Equal(OperationStatus.InvalidData, VideoFrameHeader.TryRead(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void TryRead_AnyPrefixShorterThanHeader_NeedsMoreData()
    {
        var full = Convert.FromHexString("00000007" + "00000000000f4240" + "01" + "0280" + "01e0" + "000004d2");
        for (var n = 0; n < VideoFrameHeader.Size; n++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, VideoFrameHeader.TryRead(full.AsSpan(0, n), out _));
        }
    }

    [Fact]
    public void WriteThenRead_AnyValidHeader_RoundTrips()
    {
        Gen.Select(Gen.UInt, Gen.ULong, Gen.Bool, Gen.UShort[1, ushort.MaxValue], Gen.UShort[1, ushort.MaxValue], Gen.UInt[0, VideoFrameHeader.MaxPayloadLength])
            .Sample((seq, ts, key, w, h, len) =>
            {
                var header = new VideoFrameHeader(seq, ts, key, w, h, len);
                var bytes = new byte[VideoFrameHeader.Size + 3];
                header.WriteTo(bytes);
                return VideoFrameHeader.TryRead(bytes, out var read) == OperationStatus.Done && read == header;
            });
    }

    [Fact]
    public void TryRead_ArbitraryBytes_NeverThrowsAndAcceptsOnlyCanonicalHeaders()
    {
        Gen.Byte.Array[0, 40].Sample(bytes =>
        {
            var status = VideoFrameHeader.TryRead(bytes, out var header);
            if (status != OperationStatus.Done)
            {
                return status == OperationStatus.NeedMoreData ? bytes.Length < VideoFrameHeader.Size : bytes.Length >= VideoFrameHeader.Size;
            }

            var again = new byte[VideoFrameHeader.Size];
            header.WriteTo(again);
            return again.AsSpan().SequenceEqual(bytes.AsSpan(0, VideoFrameHeader.Size));
        });
    }
}
