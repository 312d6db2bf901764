using IrohSocial.Media.Calls.Internal;

namespace IrohSocial.Media.Tests.Calls;

/// <summary>Each epoch (and so each leg key set) is handed out once, even to control streams that race.</summary>
public sealed class LegEpochsTests
{
    [Fact]
    public void TryClaim_SameEpochFromManyThreads_ExactlyOneWins()
    {
        for (var round = 0; round < 50; round++)
        {
            var epochs = new LegEpochs();
            var wins = 0;
            Parallel.For(0, 16, _ =>
            {
                if (epochs.TryClaim(3))
                {
                    Interlocked.Increment(ref wins);
                }
            });
            Assert.Equal(1, wins);
            Assert.False(epochs.TryClaim(3));
            Assert.False(epochs.TryClaim(2));
            Assert.True(epochs.TryClaim(4));
        }
    }

    [Fact]
    public void Next_CallerSide_NeverRepeats()
    {
        var epochs = new LegEpochs();
        var seen = new System.Collections.Concurrent.ConcurrentBag<uint>();
        Parallel.For(0, 1000, _ => seen.Add(epochs.Next()));
        Assert.Equal(1000, seen.Distinct().Count());
        Assert.Equal(0u, seen.Min());
    }
}
