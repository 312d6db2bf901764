using IrohSocial.Media.Video;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Video;

public sealed class VideoRateMeterTests
{
    [Fact]
    public void Record_24FramesPerSecondOf5000Bytes_Reports24FpsAnd960KbpsAndSize()
    {
        var time = new FakeTimeProvider();
        var meter = new VideoRateMeter(TimeSpan.FromSeconds(2), time);
        for (var i = 0; i < 96; i++)
        {
            time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 24));
            meter.Record(5000, 640, 480);
        }

        Assert.InRange(meter.FramesPerSecond, 23.5, 24.5);
        Assert.InRange(meter.BitrateKbps, 940, 980);
        Assert.Equal((640, 480), (meter.Width, meter.Height));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.InRange(meter.FramesPerSecond, 11.5, 12.5); // half the window has emptied
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, meter.FramesPerSecond);
        Assert.Equal(0, meter.BitrateKbps);
    }
}
