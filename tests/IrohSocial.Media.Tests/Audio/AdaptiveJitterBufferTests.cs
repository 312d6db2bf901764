using IrohSocial.Media.Stats;
using CsCheck;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Audio;

public sealed class AdaptiveJitterBufferTests
{
    [Fact]
    public void ReadFrame_CleanLink_PlaysEveryFrameAtMinimumDelay()
    {
        var harness = new Harness();
        harness.Run(Schedule(250, _ => 5), durationMs: 5200);

        JitterBufferSnapshot s = harness.Buffer.GetSnapshot();
        Assert.Equal(250, s.ReceivedFrames);
        Assert.Equal(250, s.DecodedFrames);
        Assert.Equal(0, s.StretchedFrames + s.DrainedFrames + s.LateFrames);
        // After the last frame the stream has ended and playout conceals; before it, nothing was concealed.
        Assert.DoesNotContain(harness.Played, p => p.Kind != PlayoutKind.Decoded && p.Kind != PlayoutKind.Idle && p.Sequence < 250);
        Assert.Equal(TimeSpan.FromMilliseconds(20), s.TargetDelay);
        Assert.InRange(s.CurrentDelay.TotalMilliseconds, 19.5, 40);
        Assert.Equal(Enumerable.Range(0, 250).Select(i => (uint)i), harness.Played.Where(p => p.Kind == PlayoutKind.Decoded).Select(p => p.Sequence));
        Assert.Equal(Enumerable.Range(0, 250).Select(i => (ulong?)((ulong)i * 20_000UL)), harness.Played.Where(p => p.Kind == PlayoutKind.Decoded).Select(p => p.TimestampMicroseconds));
    }

    [Fact]
    public void ReadFrame_Idle_UntilTargetDelayFilled()
    {
        var harness = new Harness();
        harness.Run(Schedule(3, _ => 0), durationMs: 100);
        Assert.Equal(PlayoutKind.Idle, harness.Played[0].Kind);
        Assert.Contains(harness.Played, p => p.Kind == PlayoutKind.Decoded);
        // Once playing, never idle again, even after the frames run out (concealment fills in).
        Assert.DoesNotContain(harness.Played.SkipWhile(p => p.Kind == PlayoutKind.Idle), p => p.Kind == PlayoutKind.Idle);
    }

    [Theory]
    [InlineData(true, PlayoutKind.FecRecovered)]
    [InlineData(false, PlayoutKind.Concealed)]
    public void ReadFrame_LostFrame_FilledByFecOrConcealment(bool useFec, PlayoutKind expected)
    {
        var lost = new HashSet<int> { 50, 90, 130 };
        var harness = new Harness(new JitterBufferOptions { UseFec = useFec, MinDelay = TimeSpan.FromMilliseconds(40) });
        harness.Run(Schedule(200, i => lost.Contains(i) ? null : 5), durationMs: 4300);

        Assert.Equal([.. lost.Select(i => (uint)i)], harness.Played.Where(p => p.Kind == expected && p.Sequence < 200).Select(p => p.Sequence).ToArray());
        JitterBufferSnapshot s = harness.Buffer.GetSnapshot();
        Assert.Equal(197, s.ReceivedFrames);
        Assert.Equal(200, s.ExpectedFrames);
        Assert.Equal(197, s.DecodedFrames);
    }

    [Fact]
    public void Insert_FrameAfterItsPlayoutTime_DroppedAsLate()
    {
        var harness = new Harness();
        harness.Run(Schedule(200, i => i == 100 ? 300 : 5), durationMs: 4500);

        JitterBufferSnapshot s = harness.Buffer.GetSnapshot();
        Assert.Equal(1, s.LateFrames);
        Assert.Equal(199, s.DecodedFrames);
        Assert.DoesNotContain(harness.Played, p => p.Kind == PlayoutKind.Decoded && p.Sequence == 100);
    }

    [Fact]
    public void DelayStep_TheFirstLateArrivalRaisesTheTarget_SoOnlyFramesDueBeforeItAreLost()
    {
        // The path's delay steps up by 80 ms at frame 100 (a queue filling on a throttled link) and stays there. Frames
        // 100-102 are due before frame 100 arrives, so nothing can save those three; the 98th percentile of the window
        // would follow only after more late frames (5 in all), the first late arrival must be enough.
        var harness = new Harness();
        harness.Run(Schedule(300, i => i < 100 ? 5 : 85), durationMs: 6500);

        JitterBufferSnapshot s = harness.Buffer.GetSnapshot();
        Assert.Equal(3, s.LateFrames);
        Assert.True(s.TargetDelay.TotalMilliseconds >= 80, $"target {s.TargetDelay.TotalMilliseconds} ms");
        Assert.Equal(297, s.DecodedFrames);
    }

    [Fact]
    public void DelayStep_Held_ThenReleasedOnceTheWindowForgetsIt()
    {
        // One late frame alone (a spike, not a step) raises the target for one window of arrivals, then it falls back.
        var harness = new Harness();
        harness.Run(Schedule(700, i => i == 100 ? 120 : 5), durationMs: 14_500);

        JitterBufferSnapshot s = harness.Buffer.GetSnapshot();
        Assert.Equal(1, s.LateFrames);
        Assert.Equal(JitterBufferOptions.Default.MinDelay, s.TargetDelay);
        Assert.True(s.StretchedFrames > 0 && s.DrainedFrames > 0, $"stretched {s.StretchedFrames}, drained {s.DrainedFrames}");
    }

    [Fact]
    public void ReadFrameDueAt_PlayoutLoopStalled100Ms_CatchesUpWithoutDrainingOrStretching()
    {
        // Frames arrive every 20 ms; the playout loop stalls for 100 ms and then plays the 6 ticks that fell due at
        // once. Judged at their due times, the late ticks find the buffer as deep as ever: nothing is drained or
        // stretched, so the audio after the stall keeps its place on the timeline.
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        long origin = time.GetTimestamp();
        var buffer = new AdaptiveJitterBuffer(OpusAudioDecoder.Create(), timeProvider: time);
        var pcm = new short[AudioFormat.SamplesPerFrame];
        var played = new List<PlayoutFrame>();
        long tick = 1;
        for (int ms = 0; ms < 3200; ms++)
        {
            if (ms % 20 == 5 && ms / 20 < 150)
            {
                Assert.Equal(JitterBufferInsertResult.Accepted, buffer.Insert((uint)(ms / 20), (ulong)ms * 1000, EncodedSpeech.Packets[ms / 20]));
            }

            bool stalled = ms is >= 2000 and < 2100;
            for (; !stalled && tick * 20 <= ms; tick++)
            {
                played.Add(buffer.ReadFrameDueAt(pcm, origin + (long)(tick * 0.02 * time.TimestampFrequency)));
            }

            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        JitterBufferSnapshot s = buffer.GetSnapshot();
        Assert.Equal(0, s.DrainedFrames);
        Assert.Equal(0, s.StretchedFrames);
        Assert.Equal(0, s.LateFrames);
        Assert.Equal(150, s.DecodedFrames);
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (uint)i), played.Where(p => p.Kind == PlayoutKind.Decoded).Select(p => p.Sequence));
    }

    [Fact]
    public void Insert_Duplicate_Counted()
    {
        var harness = new Harness();
        var schedule = Schedule(20, _ => 5).ToList();
        schedule.Add((10, 190));
        harness.Run(schedule, durationMs: 600);
        Assert.Equal(1, harness.Buffer.GetSnapshot().DuplicateFrames);
    }

    [Fact]
    public void TargetDelay_FollowsJitterUpThenDrainsWhenLinkIsClean()
    {
        var random = new Random(3);
        var harness = new Harness();
        // 6 s with 0-60 ms of jitter, then 12 s of a clean link.
        harness.Run(Schedule(900, i => i < 300 ? 5 + random.Next(0, 61) : 5), durationMs: 6000);
        JitterBufferSnapshot jittery = harness.Buffer.GetSnapshot();
        harness.Run([], durationMs: 12_100);
        JitterBufferSnapshot clean = harness.Buffer.GetSnapshot();

        Assert.InRange(jittery.TargetDelay.TotalMilliseconds, 60, 80);
        Assert.True(jittery.StretchedFrames > 0);
        Assert.True(jittery.LateFrames < 15, $"{jittery.LateFrames} late frames");
        Assert.Equal(TimeSpan.FromMilliseconds(20), clean.TargetDelay);
        Assert.True(clean.DrainedFrames >= 2, $"{clean.DrainedFrames} drained");
        Assert.InRange(clean.CurrentDelay.TotalMilliseconds, 19.5, 50);
        Assert.Equal(jittery.LateFrames, clean.LateFrames);
    }

    [Fact]
    public void TargetDelay_HugeJitter_CappedAtMaxDelay()
    {
        var random = new Random(4);
        var harness = new Harness();
        harness.Run(Schedule(300, _ => random.Next(0, 600)), durationMs: 6500);
        Assert.Equal(JitterBufferOptions.Default.MaxDelay, harness.Buffer.TargetDelay);
    }

    [Fact]
    public void StallAboveTheTarget_DrainsBackOnceTheLinkIsClean()
    {
        // A 600 ms stall (frames 150-179 arrive together), then a clean link: once the transit window has forgotten
        // the stall, the target falls back and the delay the stall added is drained (a call's audio stays as long as
        // its source). The throttled video call relies on this with these settings.
        var options = new JitterBufferOptions { MinDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromMilliseconds(400), DrainHysteresis = TimeSpan.FromMilliseconds(40) };
        var harness = new Harness(options);
        harness.Run(Schedule(600, i => i is >= 150 and < 180 ? ((180 - i) * 20) + 5 : 5), durationMs: 4000);
        JitterBufferSnapshot afterStall = harness.Buffer.GetSnapshot();
        harness.Run([], durationMs: 8000);
        JitterBufferSnapshot settled = harness.Buffer.GetSnapshot();

        Assert.True(afterStall.CurrentDelay > options.MaxDelay, $"the stall left {afterStall.CurrentDelay.TotalMilliseconds} ms");
        Assert.True(settled.DrainedFrames > 0);
        Assert.InRange(settled.CurrentDelay.TotalMilliseconds, 0, options.MinDelay.TotalMilliseconds + 40 + 20);
    }

    [Fact]
    public void Insert_SenderTimelineJumps_ResynchronisesInsteadOfDroppingForever()
    {
        var harness = new Harness();
        // The sender stalls for 2 s after frame 100 and then carries on with the next sequence numbers.
        harness.Run(Schedule(300, i => i <= 100 ? 5 : 2005), durationMs: 8500);
        JitterBufferSnapshot s = harness.Buffer.GetSnapshot();
        Assert.True(s.DecodedFrames >= 280, $"decoded {s.DecodedFrames}");
        Assert.InRange(s.LateFrames, 1, JitterBufferOptions.Default.ResyncAfterLateFrames);
    }

    [Fact]
    public void ReadFrame_AnyArrivalPattern_KeepsPlayoutInvariants()
    {
        Gen.Select(Gen.Int[0, 40].Array[120], Gen.Int[0, 100], Gen.Bool).Sample((delays, lossPercent, useFec) =>
        {
            var random = new Random(delays.Sum() + lossPercent);
            var harness = new Harness(new JitterBufferOptions { UseFec = useFec });
            harness.Run(Schedule(120, i => random.Next(100) < lossPercent ? null : delays[i]), durationMs: 3200);

            List<PlayoutFrame> played = harness.Played;
            // Idle only before playout starts.
            Assert.DoesNotContain(played.SkipWhile(p => p.Kind == PlayoutKind.Idle), p => p.Kind == PlayoutKind.Idle);
            // Each sequence is played (decoded, recovered or concealed) at most once, in order.
            uint[] sequences = [.. played.Where(p => p.Kind is PlayoutKind.Decoded or PlayoutKind.FecRecovered or PlayoutKind.Concealed).Select(p => p.Sequence)];
            for (int i = 1; i < sequences.Length; i++)
            {
                Assert.True(sequences[i] > sequences[i - 1]);
            }

            JitterBufferSnapshot s = harness.Buffer.GetSnapshot();
            Assert.Equal(played.Count, s.IdleFrames + s.DecodedFrames + s.FecRecoveredFrames + s.ConcealedFrames + s.StretchedFrames);
            Assert.True(s.DecodedFrames + s.LateFrames + s.DrainedFrames + s.DiscardedFrames <= s.ReceivedFrames);
            Assert.True(s.TargetDelay >= JitterBufferOptions.Default.MinDelay && s.TargetDelay <= JitterBufferOptions.Default.MaxDelay);
        }, iter: 40);
    }

    /// <summary>Frame i is sent at i * 20 ms and arrives after delay(i) ms, or never when delay(i) is null.</summary>
    private static IEnumerable<(int Sequence, int ArrivalMs)> Schedule(int frames, Func<int, int?> delay)
    {
        for (int i = 0; i < frames; i++)
        {
            if (delay(i) is int d)
            {
                yield return (i, (i * 20) + d);
            }
        }
    }

    /// <summary>Drives a buffer on a fake clock: inserts frames at their arrival millisecond, plays every 20 ms.</summary>
    private sealed class Harness
    {
        private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);
        private readonly short[] _pcm = new short[AudioFormat.SamplesPerFrame];
        private readonly List<(int Sequence, int ArrivalMs)> _pending = [];
        private int _nowMs;

        public Harness(JitterBufferOptions? options = null)
        {
            Buffer = new AdaptiveJitterBuffer(OpusAudioDecoder.Create(), options, _time);
        }

        public AdaptiveJitterBuffer Buffer { get; }

        public List<PlayoutFrame> Played { get; } = [];

        public void Run(IEnumerable<(int Sequence, int ArrivalMs)> arrivals, int durationMs)
        {
            _pending.AddRange(arrivals);
            _pending.Sort((a, b) => a.ArrivalMs.CompareTo(b.ArrivalMs));
            int end = _nowMs + durationMs;
            for (; _nowMs < end; _nowMs++)
            {
                while (_pending.Count > 0 && _pending[0].ArrivalMs <= _nowMs)
                {
                    int sequence = _pending[0].Sequence;
                    Buffer.Insert((uint)sequence, (ulong)sequence * 20_000, EncodedSpeech.Packets[sequence]);
                    _pending.RemoveAt(0);
                }

                if (_nowMs % 20 == 13)
                {
                    Played.Add(Buffer.ReadFrame(_pcm));
                }

                _time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }
    }
}
