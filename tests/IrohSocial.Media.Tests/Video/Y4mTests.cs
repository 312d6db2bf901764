using IrohSocial.Media.Video;

namespace IrohSocial.Media.Tests.Video;

public sealed class Y4mTests
{
    [Theory]
    [InlineData(64, 48)]
    [InlineData(33, 17)]
    public async Task SinkThenSource_RoundTripsEveryPixelAndTheFormat(int width, int height)
    {
        using var dir = new TempDirectory();
        var path = dir.File("clip.y4m");
        var format = new VideoFormat(width, height, 30000, 1001);
        var ct = TestContext.Current.CancellationToken;
        await using (var sink = await Y4mFileSink.CreateAsync(path, format, ct))
        {
            await using var pattern = new TestPatternSource(format, frameCount: 5);
            while (await pattern.ReadFrameAsync(ct) is { } frame)
            {
                using (frame)
                {
                    await sink.WriteFrameAsync(frame, ct);
                }
            }

            Assert.Equal(5, sink.FrameCount);
        }

        Assert.StartsWith($"YUV4MPEG2 W{width} H{height} F30000:1001 Ip A1:1 C420jpeg\nFRAME\n", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(path).AsSpan(0, 60)));

        await using var source = await Y4mFileSource.OpenAsync(path, cancellationToken: ct);
        Assert.Equal(format, source.Format);
        for (var i = 0; i < 5; i++)
        {
            using var expected = TestPatternSource.Render(width, height, i);
            using var actual = await source.ReadFrameAsync(ct);
            Assert.NotNull(actual);
            Assert.True(expected.Data.Span.SequenceEqual(actual.Data.Span));
        }

        Assert.Null(await source.ReadFrameAsync(ct));
    }

    [Fact]
    public async Task Source_Loop_StartsOverAtTheEnd()
    {
        using var dir = new TempDirectory();
        var path = dir.File("loop.y4m");
        var format = new VideoFormat(16, 16);
        var ct = TestContext.Current.CancellationToken;
        await using (var sink = await Y4mFileSink.CreateAsync(path, format, ct))
        {
            for (var i = 0; i < 2; i++)
            {
                using var f = TestPatternSource.Render(16, 16, i);
                await sink.WriteFrameAsync(f, ct);
            }
        }

        await using var source = await Y4mFileSource.OpenAsync(path, loop: true, ct);
        using var first = TestPatternSource.Render(16, 16, 0);
        for (var i = 0; i < 5; i++)
        {
            using var frame = await source.ReadFrameAsync(ct);
            Assert.NotNull(frame);
            Assert.Equal(i % 2 == 0, first.Data.Span.SequenceEqual(frame.Data.Span));
        }
    }

    [Fact]
    public async Task Sink_FrameOfOtherSize_ThrowsFrameSizeMismatch()
    {
        using var dir = new TempDirectory();
        await using var sink = await Y4mFileSink.CreateAsync(dir.File("a.y4m"), new VideoFormat(32, 32), TestContext.Current.CancellationToken);
        using var frame = new I420Frame(16, 16);
        var e = await Assert.ThrowsAsync<MediaException>(() => sink.WriteFrameAsync(frame, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(MediaError.FrameSizeMismatch, e.Error);
    }

    [Theory]
    [InlineData("YUV4MPEG2 W64 H48 F24:1 C444\n", MediaError.UnsupportedVideoFormat)]
    [InlineData("YUV4MPEG2 W64 H48 F24:1 C420p10\n", MediaError.UnsupportedVideoFormat)]
    [InlineData("YUV4MPEG2 W64 H48 It\n", MediaError.UnsupportedVideoFormat)]
    [InlineData("YUV4MPEG2 H48\n", MediaError.InvalidVideoData)]
    [InlineData("YUV4MPEG2 W-4 H48\n", MediaError.InvalidVideoData)]
    [InlineData("YUV4MPEG2 W64 H48 F24\n", MediaError.InvalidVideoData)]
    [InlineData("RIFF W64 H48\n", MediaError.InvalidVideoData)]
    [InlineData("YUV4MPEG2 W64 H48", MediaError.InvalidVideoData)]
    [InlineData("YUV4MPEG2 W64 H48\nFRAME\n\u0001\u0002", MediaError.InvalidVideoData)]
    [InlineData("YUV4MPEG2 W64 H48\nFROG\n", MediaError.InvalidVideoData)]
    public async Task Source_BadFile_ThrowsTypedError(string content, MediaError expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.y4m");
        await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAsync<MediaException>(async () =>
        {
            await using var source = await Y4mFileSource.OpenAsync(path, cancellationToken: TestContext.Current.CancellationToken);
            using var frame = await source.ReadFrameAsync(TestContext.Current.CancellationToken);
        });
        Assert.Equal(expected, e.Error);
    }
}
