using IrohSocial.Media.Video;

namespace IrohSocial.Media.Tests.Video;

public class PushVideoSourceTests
{
    private static readonly VideoFormat Format = new(8, 6, 24);

    private static I420Frame Frame(byte luma)
    {
        var frame = new I420Frame(Format.Width, Format.Height);
        frame.Data.Span.Fill(luma);
        return frame;
    }

    [Fact]
    public async Task ReadFrameAsync_AfterSeveralPushes_ReturnsOnlyTheNewestAndCountsTheDropped()
    {
        await using var source = new PushVideoSource(Format);
        Assert.True(source.TryPush(Frame(1)));
        Assert.True(source.TryPush(Frame(2)));
        Assert.True(source.TryPush(Frame(3)));

        using var read = await source.ReadFrameAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(read);
        Assert.Equal(3, read.Y[0]);
        Assert.Equal(3, source.FramesPushed);
        Assert.Equal(2, source.FramesDropped);
    }

    [Fact]
    public async Task ReadFrameAsync_WithNothingQueued_WaitsForTheNextPush()
    {
        await using var source = new PushVideoSource(Format);
        var pending = source.ReadFrameAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(pending.IsCompleted);

        source.TryPush(Frame(7));

        using var read = await pending.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(7, read!.Y[0]);
    }

    [Fact]
    public async Task Complete_EndsTheSourceAndRefusesLaterPushes()
    {
        await using var source = new PushVideoSource(Format);
        source.TryPush(Frame(9));
        source.Complete();

        using (var last = await source.ReadFrameAsync(TestContext.Current.CancellationToken))
        {
            Assert.Equal(9, last!.Y[0]);
        }

        Assert.Null(await source.ReadFrameAsync(TestContext.Current.CancellationToken));
        Assert.False(source.TryPush(Frame(10)));
    }

    [Fact]
    public async Task TryPush_WrongSize_Throws()
    {
        await using var source = new PushVideoSource(Format);
        Assert.Throws<ArgumentException>(() => source.TryPush(new I420Frame(4, 4)));
    }
}
