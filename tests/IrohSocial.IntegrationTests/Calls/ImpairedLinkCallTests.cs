using IrohSocial.Hardening.Tests.Faults;
using IrohSocial.IntegrationTests.Calls.Support;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Stats;
using IrohSocial.Media.Tests.Support;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Calls;

/// <summary>
/// A call between two nodes whose connection runs through a fault proxy that impairs the path like a lossy, jittery
/// network does under a TCP transport: 5 % of the chunks are lost and retransmitted (late by a retransmission, holding
/// back everything behind them) and every chunk gets up to 30 ms of jitter. Run alone: it judges real-time playout.
/// </summary>
[Collection(nameof(RealTimeMediaCollection))]
public sealed class ImpairedLinkCallTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WavCall_FivePercentLossAnd30MsJitterOverTcp_PlaysWithoutGaps_AndStatsShowTheImpairment()
    {
        // Lead-in silence as in the clean WAV test: the buffer settles on the impaired link before the speech starts.
        (short[] input, MemoryStream inputWav) = await CallNodes.SpeechWavAsync(TimeSpan.FromSeconds(6), seed: 9);
        var receivedWav = new MemoryStream();
        var log = new TestLog();
        // A fixed 40 ms jitter buffer (it neither grows nor drains) instead of the adaptive defaults: each adaptation step
        // shifts the speech after it by 20 ms, which the single-lag correlation punishes by up to 0.4, and on this shared
        // machine real-clock stalls add steps of their own (defaults: 1 of 4 runs passed). Fixed and shallow, frames held
        // back by a retransmission often miss their slot and are concealed in place (0 to 32 of 350 frames in our runs),
        // and the timeline holds. The adaptive buffer on a lossy, jittery link is covered deterministically on a fake
        // clock by the media tests (AudioPipelineTests).
        var fixedDelay = TimeSpan.FromMilliseconds(40);
        var options = CallNodes.FastOptions with
        {
            AudioReceiver = new AudioReceiverOptions
            {
                JitterBuffer = new JitterBufferOptions { MinDelay = fixedDelay, MaxDelay = fixedDelay, DrainHysteresis = TimeSpan.FromMilliseconds(200) },
            },
        };
        // The fault proxy is a TCP proxy and the test is about loss above TCP: both nodes use TLS over TCP.
        await using var alice = await CallNodes.StartNodeAsync(options, log.Factory("alice"), provider: TransportProvider.TcpTls);
        await using var bob = await CallNodes.StartNodeAsync(options, log.Factory("bob"), provider: TransportProvider.TcpTls);
        // 10 ms each way plus up to 30 ms of jitter: a round trip of 20-80 ms, so a retransmission costs about 60 ms.
        var impaired = new FaultPlan
        {
            Delay = TimeSpan.FromMilliseconds(10),
            Jitter = TimeSpan.FromMilliseconds(30),
            RetransmitProbability = 0.05,
            RetransmitDelay = TimeSpan.FromMilliseconds(60),
        };
        await using var proxy = FaultProxy.Start(bob.Endpoint(), impaired, seed: 5);
        try
        {
            await using var source = await WavFileSource.OpenAsync(inputWav, cancellationToken: Ct);
            var sink = WavFileSink.Create(receivedWav, leaveOpen: true);
            var answered = CallNodes.AutoAnswer(bob, () => new CallMedia { AudioSink = sink });
            Call outgoing = await alice.Calls.StartCallAsync(new EndpointAddr(bob.Id, [proxy.EndPoint]), new CallMedia { AudioSource = source }, Ct);
            Call incoming = await answered.Task.WaitAsync(Wait, Ct);

            await incoming.ReceivedAudioEnded.WaitAsync(Wait, Ct);
            CallCounters counters = incoming.Counters;
            CallStats final = incoming.LatestStats!;
            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
            await sink.DisposeAsync();

            short[] output = await CallNodes.ReadWavAsync(receivedWav);
            double correlation = SignalMath.AlignedCorrelation(input, output, 14_400, out int lag);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"impaired: correlation {correlation:F3} lag {lag}, duration {output.Length - input.Length:+0;-0} samples, proxy chunks {proxy.ChunksQueued} retransmitted {proxy.ChunksRetransmitted} dropped bytes {proxy.BytesDropped}, "
                + $"played {counters.AudioFramesPlayed} concealed {counters.ConcealedFrames} sent {outgoing.Counters.AudioFramesSent}, stats: loss {final.TotalLossFraction:P2} late {final.Counters.LateFrames} concealed {final.Counters.ConcealedFrames} fec {final.Counters.FecRecoveredFrames} "
                + $"jitter {final.Jitter.TotalMilliseconds:F1} ms target {final.JitterBufferTarget.TotalMilliseconds:F0} ms p50 {final.LatencyP50?.TotalMilliseconds:F0} ms p95 {final.LatencyP95?.TotalMilliseconds:F0} ms rtt {final.RoundTripTime?.TotalMilliseconds:F0} ms quality {final.Quality}");

            // No gaps: every playout tick from the first frame on produced 20 ms of audio (decoded or concealed), so the
            // received file is as long as the input, and wherever the input speaks the output does too.
            Assert.Equal(counters.AudioFramesPlayed * AudioFormat.SamplesPerFrame, output.Length);
            Assert.InRange(output.Length, input.Length - 1920, input.Length + 1920);
            Assert.True(correlation >= 0.8, $"correlation {correlation:F3} at lag {lag}");
            AssertNoSilentGaps(input, output, lag);

            // The proxy delayed about 5 % of the chunks as retransmissions and lost nothing, as TCP does.
            Assert.Equal(0, proxy.BytesDropped);
            Assert.InRange((double)proxy.ChunksRetransmitted / proxy.ChunksQueued, 0.02, 0.09);

            // What the receiver saw, counted consistently with that: every frame arrived (no loss: TCP recovered the
            // lost packets), but late and bunched, so the jitter estimate is up. Frames that still missed their playout
            // time were dropped as late after concealment filled their slot (in-order delivery leaves no later frame to
            // rebuild them from FEC), so they are part of the concealed count.
            Assert.Equal(0, final.TotalLossFraction);
            Assert.Equal(0, final.Counters.RejectedFrames);
            Assert.True(final.Jitter > TimeSpan.FromMilliseconds(3), $"jitter {final.Jitter}");
            Assert.True(final.Counters.LateFrames <= final.Counters.ConcealedFrames, $"late {final.Counters.LateFrames} concealed {final.Counters.ConcealedFrames}");
            // One concealment number: the call's counters and its statistics agree.
            Assert.Equal(counters.ConcealedFrames, final.Counters.ConcealedFrames);
            Assert.Equal(counters.ConcealedFrames, incoming.Counters.ConcealedFrames);
        }
        finally
        {
            log.Dump();
        }
    }

    /// <summary>
    /// Playout has no holes: where the input clearly speaks, the aligned output is silent in at most 5% of the frames
    /// (the link's retransmission rate) and never for more than 60 ms in a row. (Opus PLC fades out by design when it has to conceal several frames
    /// in a row, as behind a retransmission stall, so an occasional faded frame is concealment working, not a gap.)
    /// </summary>
    private static void AssertNoSilentGaps(short[] input, short[] output, int lag)
    {
        var gaps = new List<int>();
        int speaking = 0;
        int run = 0;
        int longestRun = 0;
        for (int start = 0; start + AudioFormat.SamplesPerFrame + lag <= output.Length && start + AudioFormat.SamplesPerFrame <= input.Length; start += AudioFormat.SamplesPerFrame)
        {
            double inRms = SignalMath.Rms(input.AsSpan(start, AudioFormat.SamplesPerFrame));
            double outRms = SignalMath.Rms(output.AsSpan(start + lag, AudioFormat.SamplesPerFrame));
            if (inRms <= 3000)
            {
                continue;
            }

            speaking++;
            if (outRms < inRms * 0.1)
            {
                gaps.Add(start / AudioFormat.SamplesPerFrame);
                longestRun = Math.Max(longestRun, ++run);
            }
            else
            {
                run = 0;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"faded frames where the input speaks: {gaps.Count} of {speaking} ({string.Join(", ", gaps)})");
        Assert.True(speaking >= 50, $"only {speaking} speaking frames");
        Assert.True(gaps.Count <= speaking / 20 && longestRun <= 3, $"silent frames where the input speaks: {string.Join(", ", gaps)} of {speaking}");
    }
}
