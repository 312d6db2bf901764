using CsCheck;
using IrohSocial.Media.Video;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Video;

public sealed class VideoBitrateControllerTests
{
    private static readonly TimeSpan BaseRtt = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// A link of <paramref name="capacityKbps"/>: what is sent beyond capacity is lost and queues add 200 ms of RTT.
    /// Returns what the receiver would report for one second of sending at the controller's target.
    /// </summary>
    private static VideoNetworkSample Link(VideoEncodingTarget target, double capacityKbps, int audioKbps = 40)
    {
        double sent = target.BitrateKbps + audioKbps;
        var delivered = Math.Min(sent, capacityKbps);
        var loss = sent > capacityKbps ? 1 - (capacityKbps / sent) : 0;
        return new VideoNetworkSample(delivered, loss, sent > capacityKbps ? BaseRtt + TimeSpan.FromMilliseconds(200) : BaseRtt);
    }

    private static List<VideoEncodingTarget> Run(VideoBitrateController controller, FakeTimeProvider time, double capacityKbps, int seconds)
    {
        var targets = new List<VideoEncodingTarget>();
        for (var s = 0; s < seconds; s++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            targets.Add(controller.Update(Link(controller.Current, capacityKbps)));
        }

        return targets;
    }

    [Fact]
    public void Initial_DefaultOptions_Is640x480At1000()
    {
        var controller = new VideoBitrateController(timeProvider: new FakeTimeProvider());
        Assert.Equal(new VideoEncodingTarget(VideoQualityStep.Medium, 640, 480, 1000), controller.Current);
        Assert.True(controller.Current.IsVideoEnabled);
    }

    [Fact]
    public void ThrottleTo400Kbps_DropsTo320x240Within5sAndComesBackWhenLifted()
    {
        var time = new FakeTimeProvider();
        var controller = new VideoBitrateController(timeProvider: time);

        var open = Run(controller, time, capacityKbps: 10_000, seconds: 30);
        Assert.Equal(VideoQualityStep.High, open[^1].Step);
        Assert.Equal(new VideoEncodingTarget(VideoQualityStep.High, 1280, 720, 2000), open[^1]);

        var throttled = Run(controller, time, capacityKbps: 400, seconds: 20);
        var firstLow = throttled.FindIndex(t => t.Step == VideoQualityStep.Low);
        Assert.InRange(firstLow + 1, 1, 5); // seconds after the throttle started
        var settled = throttled.Skip(firstLow).ToList();
        // It may probe upwards, but each probe lasts one interval and most of the time it sits at 320x240.
        Assert.True(settled.Count(t => t.Step == VideoQualityStep.Low) >= settled.Count * 0.8, string.Join(",", settled.Select(t => t.Step)));
        Assert.DoesNotContain(settled, t => t.Step == VideoQualityStep.High);
        Assert.All(settled.Zip(settled.Skip(1)), p => Assert.True(p.First.Step == VideoQualityStep.Low || p.Second.Step == VideoQualityStep.Low));
        // Audio keeps its share: at 320x240 video plus audio fits the throttled link.
        Assert.All(settled.Where(t => t.Step == VideoQualityStep.Low), t => Assert.True(t.BitrateKbps + 40 <= 400));

        var lifted = Run(controller, time, capacityKbps: 10_000, seconds: 60);
        var firstMedium = lifted.FindIndex(t => t.Step == VideoQualityStep.Medium);
        Assert.InRange(firstMedium, 0, 20);
        Assert.Equal(VideoQualityStep.High, lifted[^1].Step);
    }

    [Fact]
    public void CapacityBetweenMediumAndHigh_StaysMostlyOnMediumAndBacksOffItsProbes()
    {
        var time = new FakeTimeProvider();
        var controller = new VideoBitrateController(timeProvider: time);
        // 1900 kbit/s carries 640x480 at 1500 but not 1280x720 at 2000 plus audio.
        var targets = Run(controller, time, capacityKbps: 1900, seconds: 180);
        var steps = string.Join(",", targets.Select(t => (int)t.Step));
        Assert.True(targets.Count(t => t.Step == VideoQualityStep.Medium) >= targets.Count * 0.9, steps);
        Assert.DoesNotContain(targets, t => t.Step < VideoQualityStep.Medium);
        Assert.Contains(targets, t => t.BitrateKbps == 1500);
        // Probes (steps up to High) come further and further apart: the hold doubles after each failure up to 32 s.
        var probes = Enumerable.Range(1, targets.Count - 1)
            .Where(i => targets[i - 1].Step == VideoQualityStep.Medium && targets[i].Step == VideoQualityStep.High).ToList();
        var gaps = probes.Zip(probes.Skip(1), (a, b) => b - a).ToList();
        Assert.True(probes.Count >= 3, steps);
        Assert.Equal(gaps.Order(), gaps);
        Assert.True(gaps[^1] >= 32, steps);
        Assert.Equal(VideoBitrateControllerOptions.Default.MaxUpgradeHold, controller.CurrentUpgradeHold);
    }

    [Fact]
    public void FailedProbe_DoublesTheHoldBeforeTheNextStepUp()
    {
        var time = new FakeTimeProvider();
        var controller = new VideoBitrateController(timeProvider: time);
        Run(controller, time, capacityKbps: 300, seconds: 3); // settle on Low
        Assert.Equal(VideoQualityStep.Low, controller.Current.Step);

        // Loss-free for long enough to step up to Medium, which the 520 kbit/s link then cannot carry.
        var targets = Run(controller, time, capacityKbps: 520, seconds: 60);
        Assert.Contains(targets, t => t.Step == VideoQualityStep.Medium);
        Assert.True(controller.CurrentUpgradeHold > VideoBitrateControllerOptions.Default.UpgradeHold);
        var changes = targets.Zip(targets.Skip(1)).Count(p => p.First.Step != p.Second.Step);
        Assert.InRange(changes, 2, 12); // it probes, but backs off rather than flapping every few seconds
    }

    [Fact]
    public void VeryPoorLink_SuspendsVideoAndResumesLater()
    {
        var time = new FakeTimeProvider();
        var controller = new VideoBitrateController(timeProvider: time);
        var poor = Run(controller, time, capacityKbps: 120, seconds: 5);
        Assert.Equal(new VideoEncodingTarget(VideoQualityStep.Suspended, 0, 0, 0), poor[^1]);
        Assert.False(poor[^1].IsVideoEnabled);

        var good = Run(controller, time, capacityKbps: 5000, seconds: 40);
        Assert.Equal(VideoQualityStep.Low, good.First(t => t.IsVideoEnabled).Step);
        Assert.Equal(VideoQualityStep.High, good[^1].Step);
    }

    [Fact]
    public void Update_InvalidSample_Throws()
    {
        var controller = new VideoBitrateController(timeProvider: new FakeTimeProvider());
        Assert.Throws<ArgumentOutOfRangeException>(() => controller.Update(new VideoNetworkSample(double.NaN, 0, BaseRtt)));
        Assert.Throws<ArgumentOutOfRangeException>(() => controller.Update(new VideoNetworkSample(100, 1.5, BaseRtt)));
        Assert.Throws<ArgumentOutOfRangeException>(() => controller.Update(new VideoNetworkSample(100, 0, TimeSpan.FromSeconds(-1))));
        Assert.Throws<ArgumentOutOfRangeException>(() => controller.Update(new VideoNetworkSample(100, 0, BaseRtt, 1.5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => controller.Update(new VideoNetworkSample(100, 0, BaseRtt, double.NaN)));
    }

    /// <summary>
    /// A TCP link of <paramref name="capacityKbps"/> as the sender sees it: nothing is lost and (the sender keeping
    /// its video in flight short) the RTT stays put, but what exceeds the capacity is skipped at the sender.
    /// </summary>
    private static VideoNetworkSample ReliableLink(VideoEncodingTarget target, double capacityKbps, int audioKbps = 40)
    {
        double sent = target.BitrateKbps + audioKbps;
        var skipped = sent > capacityKbps ? 1 - (capacityKbps / sent) : 0;
        return new VideoNetworkSample(Math.Min(sent, capacityKbps), 0, BaseRtt, skipped);
    }

    [Fact]
    public void SenderSkipping_IsCongestion_DropsTo320x240WithinFiveSamplesAndRecoversWhenLifted()
    {
        var time = new FakeTimeProvider();
        var controller = new VideoBitrateController(timeProvider: time);
        var steps = new List<VideoQualityStep>();
        for (var s = 0; s < 5; s++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            steps.Add(controller.Update(ReliableLink(controller.Current, 400)).Step);
        }

        Assert.Contains(VideoQualityStep.Low, steps);
        Assert.Equal(VideoQualityStep.Low, steps[^1]);

        var recovered = -1;
        for (var s = 0; s < 20 && recovered < 0; s++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            if (controller.Update(ReliableLink(controller.Current, 10_000)).Step == VideoQualityStep.Medium)
            {
                recovered = s + 1;
            }
        }

        Assert.InRange(recovered, 1, 15);
    }

    [Fact]
    public void SenderSkipping_AtOrBelowTheThreshold_IsNotCongestion()
    {
        var time = new FakeTimeProvider();
        var controller = new VideoBitrateController(timeProvider: time);
        var before = controller.EstimatedBandwidthKbps;
        time.Advance(TimeSpan.FromSeconds(1));
        controller.Update(new VideoNetworkSample(1040, 0, BaseRtt, VideoBitrateControllerOptions.Default.SenderSkipThreshold));
        Assert.True(controller.EstimatedBandwidthKbps > before);

        time.Advance(TimeSpan.FromSeconds(1));
        controller.Update(new VideoNetworkSample(400, 0, BaseRtt, 0.5));
        Assert.Equal(400 * VideoBitrateControllerOptions.Default.BackoffFactor, controller.EstimatedBandwidthKbps, 6);
    }

    [Fact]
    public void CongestionWithNoGoodput_KeepsAudiosReserve_SoTheEstimateCanGrowBack()
    {
        var time = new FakeTimeProvider();
        var controller = new VideoBitrateController(timeProvider: time);
        time.Advance(TimeSpan.FromSeconds(1));
        controller.Update(new VideoNetworkSample(0, 0, BaseRtt, 1));
        Assert.Equal(VideoQualityStep.Suspended, controller.Current.Step);
        Assert.Equal(VideoBitrateControllerOptions.Default.AudioReserveKbps, controller.EstimatedBandwidthKbps);

        for (var s = 0; s < 30 && !controller.Current.IsVideoEnabled; s++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            controller.Update(new VideoNetworkSample(40, 0, BaseRtt));
        }

        Assert.Equal(VideoQualityStep.Low, controller.Current.Step);
    }

    private static readonly Gen<(double Goodput, double Loss, int RttMs, int StepMs)> Sample =
        Gen.Select(Gen.Double[0, 5000], Gen.OneOf(Gen.Const(0.0), Gen.Double[0, 1]), Gen.Int[10, 600], Gen.Int[100, 3000]);

    [Fact]
    public void AnySampleSequence_KeepsLadderAudioPriorityAndHysteresisInvariants()
    {
        var options = VideoBitrateControllerOptions.Default;
        Sample.List[1, 80].Sample(samples =>
        {
            var time = new FakeTimeProvider();
            var controller = new VideoBitrateController(options, time);
            var previous = controller.Current;
            var lastChange = time.GetUtcNow();
            var lastCongestion = time.GetUtcNow();
            var minRtt = TimeSpan.MaxValue;
            foreach (var (goodput, loss, rttMs, stepMs) in samples)
            {
                time.Advance(TimeSpan.FromMilliseconds(stepMs));
                var rtt = TimeSpan.FromMilliseconds(rttMs);
                minRtt = rtt < minRtt ? rtt : minRtt;
                var congested = loss > options.HighLossFraction || rtt > minRtt + options.QueueingDelayThreshold;
                var t = controller.Update(new VideoNetworkSample(goodput, loss, rtt));

                // 1. Only ladder rungs.
                var onLadder = t.Step switch
                {
                    VideoQualityStep.Suspended => t is { Width: 0, Height: 0, BitrateKbps: 0 },
                    VideoQualityStep.Low => t is { Width: 320, Height: 240, BitrateKbps: >= 100 and <= 250 },
                    VideoQualityStep.Medium => t is { Width: 640, Height: 480, BitrateKbps: >= 500 and <= 1500 },
                    VideoQualityStep.High => t is { Width: 1280, Height: 720, BitrateKbps: 2000 },
                    _ => false,
                };

                // 2. Audio priority: video never takes the audio reserve out of the estimate.
                var audioKept = !t.IsVideoEnabled || t.BitrateKbps + options.AudioReserveKbps <= controller.EstimatedBandwidthKbps + 1e-9;

                // 3. Hysteresis: a step up is one rung, on a clean sample, after the hold without change or congestion.
                var upOk = t.Step <= previous.Step
                    || (t.Step == previous.Step + 1 && !congested
                        && time.GetUtcNow() - (lastChange > lastCongestion ? lastChange : lastCongestion) >= options.UpgradeHold);

                // 4. A congested sample never raises the bitrate.
                var noRaiseOnCongestion = !congested || t.Step < previous.Step || (t.Step == previous.Step && t.BitrateKbps <= previous.BitrateKbps);

                if (!(onLadder && audioKept && upOk && noRaiseOnCongestion))
                {
                    return false;
                }

                if (congested)
                {
                    lastCongestion = time.GetUtcNow();
                }

                if (t.Step != previous.Step)
                {
                    lastChange = time.GetUtcNow();
                }

                previous = t;
            }

            return true;
        });
    }
}
