using IrohSocial.Media.Audio;
using IrohSocial.Media.Stats;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Stats;

public sealed class CallStatsCalculatorTests
{
    [Theory]
    [InlineData(0.00, 5, 50, CallQuality.Good)]
    [InlineData(0.019, 29, 299, CallQuality.Good)]
    [InlineData(0.03, 5, 50, CallQuality.Fair)]
    [InlineData(0.00, 40, 50, CallQuality.Fair)]
    [InlineData(0.00, 5, 400, CallQuality.Fair)]
    [InlineData(0.11, 5, 50, CallQuality.Poor)]
    [InlineData(0.00, 90, 50, CallQuality.Poor)]
    [InlineData(0.00, 5, 700, CallQuality.Poor)]
    public void Classify_Thresholds(double loss, int jitterMs, int rttMs, CallQuality expected)
    {
        Assert.Equal(expected, CallStatsCalculator.Classify(loss, TimeSpan.FromMilliseconds(jitterMs), TimeSpan.FromMilliseconds(rttMs)));
    }

    [Fact]
    public void Classify_UnknownRtt_JudgedOnLossAndJitter()
    {
        Assert.Equal(CallQuality.Good, CallStatsCalculator.Classify(0, TimeSpan.Zero, null));
    }

    [Fact]
    public void Compute_TwoIntervals_BitrateAndLossPerIntervalTotalsSinceStart()
    {
        var time = new FakeTimeProvider();
        var calculator = new CallStatsCalculator(time);

        time.Advance(TimeSpan.FromSeconds(1));
        calculator.RecordBytesSent(3000);
        calculator.RecordBytesReceived(4000);
        CallStats first = calculator.Compute(new JitterBufferSnapshot { ExpectedFrames = 50, ReceivedFrames = 50 });

        time.Advance(TimeSpan.FromSeconds(2));
        calculator.RecordBytesSent(6000);
        CallStats second = calculator.Compute(new JitterBufferSnapshot { ExpectedFrames = 150, ReceivedFrames = 140 }, rejectedFrames: 3);

        Assert.Equal(24_000, first.SendBitrate);
        Assert.Equal(32_000, first.ReceiveBitrate);
        Assert.Equal(0, first.LossFraction);
        Assert.Equal(TimeSpan.FromSeconds(1), first.Elapsed);

        Assert.Equal(24_000, second.SendBitrate);
        Assert.Equal(0, second.ReceiveBitrate);
        Assert.Equal(0.10, second.LossFraction, 6);
        Assert.Equal(10.0 / 150, second.TotalLossFraction, 6);
        Assert.Equal(3, second.Counters.RejectedFrames);
        Assert.Equal(TimeSpan.FromSeconds(3), second.Elapsed);
        Assert.Equal(CallQuality.Fair, second.Quality);
    }

    [Fact]
    public void Compute_Latencies_ReportsPercentilesOverRecentWindow()
    {
        var calculator = new CallStatsCalculator(new FakeTimeProvider());
        Assert.Null(calculator.Compute(null).LatencyP95);
        for (int i = 1; i <= 100; i++)
        {
            calculator.RecordPlayoutLatency(TimeSpan.FromMilliseconds(i));
        }

        CallStats stats = calculator.Compute(null);
        Assert.Equal(TimeSpan.FromMilliseconds(50), stats.LatencyP50);
        Assert.Equal(TimeSpan.FromMilliseconds(95), stats.LatencyP95);
        Assert.Equal(TimeSpan.FromMilliseconds(99), stats.LatencyP99);

        // Older samples fall out of the window.
        for (int i = 0; i < CallStatsCalculator.LatencyWindow; i++)
        {
            calculator.RecordPlayoutLatency(TimeSpan.FromMilliseconds(7));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(7), calculator.Compute(null).LatencyP95);
    }

    [Fact]
    public void RecordRoundTrip_SmoothsSamples()
    {
        var calculator = new CallStatsCalculator(new FakeTimeProvider());
        Assert.Null(calculator.RoundTripTime);
        calculator.RecordRoundTrip(TimeSpan.FromMilliseconds(100));
        calculator.RecordRoundTrip(TimeSpan.FromMilliseconds(180));
        Assert.Equal(TimeSpan.FromMilliseconds(110), calculator.RoundTripTime);
        calculator.RecordRemoteLoss(0.2);
        CallStats stats = calculator.Compute(null);
        Assert.Equal(0.2, stats.RemoteLossFraction);
        Assert.Equal(CallQuality.Poor, stats.Quality);
    }
}
