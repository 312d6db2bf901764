using IrohSocial.Media.Framing;

namespace IrohSocial.Media.Tests.Framing;

public sealed class MediaFrameReaderTests
{
    [Fact]
    public async Task ReadFrameAsync_TwoFramesThenEnd_ReturnsFramesThenNull()
    {
        using var stream = new MemoryStream(Convert.FromHexString(
            "00000001" + "0000000000000064" + "0003" + "aabbcc" +
            "00000002" + "00000000000000c8" + "0000"));
        var reader = new MediaFrameReader(stream);
        CancellationToken ct = TestContext.Current.CancellationToken;

        MediaFrame? first = await reader.ReadFrameAsync(ct);
        MediaFrame? second = await reader.ReadFrameAsync(ct);
        MediaFrame? end = await reader.ReadFrameAsync(ct);

        Assert.Equal(new MediaFrameHeader(1, 100, 3), first!.Header);
        Assert.Equal("aabbcc", Convert.ToHexStringLower(first.Data.Span));
        Assert.Equal(new MediaFrameHeader(2, 200, 0), second!.Header);
        Assert.True(second.Data.IsEmpty);
        Assert.Null(end);
    }

    [Theory]
    [InlineData("000000010000")] // inside the header
    [InlineData("00000001" + "0000000000000064" + "0003" + "aabb")] // inside the data
    public async Task ReadFrameAsync_StreamEndsInsideFrame_ThrowsTruncated(string hex)
    {
        using var stream = new MemoryStream(Convert.FromHexString(hex));
        var ex = await Assert.ThrowsAsync<MediaException>(() => new MediaFrameReader(stream).ReadFrameAsync(TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(MediaError.TruncatedStream, ex.Error);
    }

    [Fact]
    public async Task ReadFrameAsync_LengthOverLimit_ThrowsBeforeReadingData()
    {
        // Only the header is present: the reader must refuse on the announced length, not wait for data.
        using var stream = new MemoryStream(Convert.FromHexString("00000001" + "0000000000000064" + "0600"));
        var ex = await Assert.ThrowsAsync<MediaException>(() => new MediaFrameReader(stream, maxDataLength: 1291).ReadFrameAsync(TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(MediaError.InvalidFrame, ex.Error);
    }
}
