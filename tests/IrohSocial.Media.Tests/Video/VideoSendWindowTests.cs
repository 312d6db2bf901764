using IrohSocial.Media.Video.Internal;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Video;

public sealed class VideoSendWindowTests
{
    private static readonly TimeSpan Path = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void WithoutAcknowledgements_OnlyARunningWriteSkips()
    {
        var time = new FakeTimeProvider();
        var window = new VideoSendWindow(time);
        window.RecordSent(1, 1000);
        time.Advance(TimeSpan.FromSeconds(1)); // an older peer never acknowledges: age alone must not skip
        Assert.True(window.TryAdmitFrame(writeInProgress: false));
        Assert.False(window.TryAdmitFrame(writeInProgress: true));
        Assert.Equal(1, window.FramesSkipped);
    }

    [Fact]
    public void OldestUnacknowledged_QueuedBeyondMaxQueueing_SkipsUntilAcknowledged()
    {
        var time = new FakeTimeProvider();
        var window = new VideoSendWindow(time);
        window.RecordSent(1, 1000);
        time.Advance(Path);
        window.OnAcknowledged(1); // the path's own delay: 10 ms
        window.RecordSent(2, 1000);

        time.Advance(Path + window.MaxQueueing);
        Assert.True(window.TryAdmitFrame(false)); // exactly at the limit
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(window.TryAdmitFrame(false));
        Assert.False(window.TryAdmitFrame(false));

        window.OnAcknowledged(2);
        Assert.True(window.TryAdmitFrame(false));
        Assert.Equal(2, window.FramesSkipped);
    }

    [Fact]
    public void Acknowledgement_ReleasesThatFrameAndEveryOlderOne_MatchingTheLowByteAcrossWrap()
    {
        var time = new FakeTimeProvider();
        var window = new VideoSendWindow(time);
        foreach (uint sequence in new uint[] { 254, 255, 256, 257 })
        {
            window.RecordSent(sequence, 100);
        }

        window.OnAcknowledged(0); // 256
        Assert.Equal(1, window.Unacknowledged);
        window.OnAcknowledged(200); // matches nothing
        Assert.Equal(1, window.Unacknowledged);
        window.OnAcknowledged(1);
        Assert.Equal(0, window.Unacknowledged);
    }

    [Fact]
    public void FrameWhoseAcknowledgementWasLost_StopsHoldingTheWindowAfterTheTimeout()
    {
        var time = new FakeTimeProvider();
        var window = WindowWithAFrameUnacknowledgedForASecond(time);
        Assert.False(window.TryAdmitFrame(false));
        time.Advance(VideoSendWindow.AcknowledgementTimeout);
        Assert.True(window.TryAdmitFrame(false));
        Assert.Equal(0, window.Unacknowledged);
    }

    [Fact]
    public void Reset_ForgetsTheOldStreamsFrames()
    {
        var time = new FakeTimeProvider();
        var window = WindowWithAFrameUnacknowledgedForASecond(time);
        window.Reset();
        Assert.True(window.TryAdmitFrame(false));
    }

    [Fact]
    public void TakeSample_ReportsSkippedShareAndGoodput_AcknowledgedOnceAcksFlowElseWritten()
    {
        var time = new FakeTimeProvider();
        var window = new VideoSendWindow(time);
        window.RecordSent(1, 5000);
        window.RecordWritten(5000);
        Assert.False(window.TryAdmitFrame(true));
        time.Advance(TimeSpan.FromSeconds(1));
        var (skipped, goodput) = window.TakeSample();
        Assert.Equal(0.5, skipped);
        Assert.Equal(40, goodput, 6); // 5000 bytes written in 1 s, nothing acknowledged yet

        window.RecordSent(2, 2500);
        window.RecordWritten(2500);
        window.OnAcknowledged(2); // releases frames 1 and 2: 7500 bytes
        time.Advance(TimeSpan.FromSeconds(2));
        (skipped, goodput) = window.TakeSample();
        Assert.Equal(0, skipped);
        Assert.Equal(30, goodput, 6); // 7500 bytes acknowledged in 2 s

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((0.0, 0.0), window.TakeSample());
    }

    /// <summary>Frame 1 acknowledged at once (acknowledgements flow), frame 2 sent and unacknowledged for a second since.</summary>
    private static VideoSendWindow WindowWithAFrameUnacknowledgedForASecond(FakeTimeProvider time)
    {
        var window = new VideoSendWindow(time);
        window.RecordSent(1, 100);
        window.OnAcknowledged(1);
        window.RecordSent(2, 100);
        time.Advance(TimeSpan.FromSeconds(1));
        return window;
    }
}
