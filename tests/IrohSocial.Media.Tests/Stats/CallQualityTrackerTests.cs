using CsCheck;
using IrohSocial.Media.Stats;

namespace IrohSocial.Media.Tests.Stats;

public sealed class CallQualityTrackerTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UnixEpoch;

    [Theory]
    [InlineData(0.0, CallQuality.Good)]
    [InlineData(0.019, CallQuality.Good)]
    [InlineData(0.05, CallQuality.Fair)]
    [InlineData(0.11, CallQuality.Poor)]
    public void Classify_Concealment_Thresholds(double concealed, CallQuality expected) =>
        Assert.Equal(expected, CallStatsCalculator.Classify(0, TimeSpan.Zero, TimeSpan.FromMilliseconds(20), concealed));

    [Fact]
    public void Update_ConcealmentPerInterval_FromRunningTotal()
    {
        var tracker = new CallQualityTracker();
        Assert.Equal((0.0, null), tracker.Update(Stats(0, concealedTotal: 0)));
        // 1 s = 50 frames; 10 concealed = 20 %: poor at once.
        var (concealment, changedFrom) = tracker.Update(Stats(1, concealedTotal: 10));
        Assert.Equal(0.2, concealment, 6);
        Assert.Equal(CallQuality.Good, changedFrom);
        Assert.Equal(CallQuality.Poor, tracker.Level);
    }

    [Fact]
    public void Update_Recovery_NeedsThreeBetterIntervals()
    {
        var tracker = new CallQualityTracker();
        tracker.Update(Stats(0, loss: 0.2));
        Assert.Equal(CallQuality.Poor, tracker.Level);
        Assert.Null(tracker.Update(Stats(1, loss: 0)).ChangedFrom);
        Assert.Null(tracker.Update(Stats(2, loss: 0.05)).ChangedFrom);
        // The third better interval lifts it, to the worst of the three (fair).
        Assert.Equal(CallQuality.Poor, tracker.Update(Stats(3, loss: 0)).ChangedFrom);
        Assert.Equal(CallQuality.Fair, tracker.Level);
    }

    [Fact]
    public void Update_AnySequence_WorseAtOnceBetterOnlyAfterThreeBetter()
    {
        Gen.Double[0, 0.2].Array[1, 40].Sample(losses =>
        {
            var tracker = new CallQualityTracker();
            var levels = new List<CallQuality>();
            var intervals = new List<CallQuality>();
            for (var i = 0; i < losses.Length; i++)
            {
                var before = tracker.Level;
                var (_, changedFrom) = tracker.Update(Stats(i, loss: losses[i]));
                var interval = CallStatsCalculator.Classify(losses[i], TimeSpan.Zero, TimeSpan.FromMilliseconds(20));
                intervals.Add(interval);
                levels.Add(tracker.Level);
                Assert.Equal(before != tracker.Level ? before : null, changedFrom);
                // Never shows better than what this interval measured.
                Assert.True(tracker.Level >= interval);
                if (tracker.Level < before)
                {
                    // Improved: the last three intervals were all better than the old level, and it rose to their worst.
                    Assert.True(i >= 2);
                    var lastThree = intervals.Skip(i - 2).ToList();
                    Assert.All(lastThree, q => Assert.True(q < before));
                    Assert.Equal(lastThree.Max(), tracker.Level);
                }
                else if (tracker.Level > before)
                {
                    Assert.Equal(interval, tracker.Level);
                }
            }
        });
    }

    private static CallStats Stats(int second, double loss = 0, long concealedTotal = 0) => new()
    {
        Timestamp = Start.AddSeconds(second),
        LossFraction = loss,
        Jitter = TimeSpan.FromMilliseconds(5),
        RoundTripTime = TimeSpan.FromMilliseconds(20),
        Counters = new CallCounters { ConcealedFrames = concealedTotal },
    };
}
