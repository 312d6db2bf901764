using IrohSocial.Crypto;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Audio.Internal;
using IrohSocial.Media.Stats;
using IrohSocial.Media.Tests.Support;

namespace IrohSocial.Media.Tests.Audio;

/// <summary>
/// WAV -> encoder -> frames -> cipher -> faulty link -> opener -> jitter buffer -> decoder -> WAV, on a fake clock.
/// </summary>
public sealed class AudioPipelineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Loopback_CleanLink_ReceivedWavMatchesInput()
    {
        short[] input = SpeechLikeSignal.Generate(TimeSpan.FromSeconds(6));
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var stats = new List<CallStats>();
        await using WavFileSource source = await WavFileSource.OpenAsync(WavStream(input), cancellationToken: Ct);
        await using CallHarness call = await CallHarness.StartAsync(source, LinkFaults.Clean, caller, callee);
        call.Receiver.StatsUpdated += (_, s) => stats.Add(s);

        await call.RunAsync(TimeSpan.FromSeconds(8));
        await call.Receiver.Completion;
        short[] output = await RoundTripThroughWavFile(call.Sink.ToArray());

        // Duration: within 40 ms of the input.
        Assert.InRange(output.Length, input.Length - 1920, input.Length + 1920);
        double correlation = SignalMath.AlignedCorrelation(input, output, 9600, out int lag);
        Assert.True(correlation >= 0.9, $"correlation {correlation:F3} at lag {lag}");

        CallStats final = call.Receiver.LatestStats!;
        TestContext.Current.TestOutputHelper?.WriteLine($"clean: correlation {correlation:F3} lag {lag} samples, duration {output.Length - input.Length:+0;-0} samples, p50 {final.LatencyP50?.TotalMilliseconds} ms, p95 {final.LatencyP95?.TotalMilliseconds} ms, rtt {call.Sender.Stats.RoundTripTime?.TotalMilliseconds} ms, target {final.JitterBufferTarget.TotalMilliseconds} ms");
        Assert.Equal(0, final.TotalLossFraction);
        Assert.Equal(0, final.Counters.ConcealedFrames);
        Assert.Equal(0, final.Counters.RejectedFrames);
        // Latency from frame timestamps on the fake clock: 5 ms link + jitter buffer (default settings).
        Assert.NotNull(final.LatencyP95);
        Assert.True(final.LatencyP95 <= TimeSpan.FromMilliseconds(80), $"p95 {final.LatencyP95}");
        Assert.True(final.LatencyP50 >= TimeSpan.FromMilliseconds(5));
        Assert.Equal(CallQuality.Good, final.Quality);
        Assert.InRange(stats.Count, 5, 8);
        Assert.True(stats[2].ReceiveBitrate is > 10_000 and < 45_000, $"bitrate {stats[2].ReceiveBitrate}");
        Assert.InRange(stats[2].Elapsed, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(3.1));

        // RTT from receiver reports: 5 ms each way.
        TimeSpan? rtt = call.Sender.Stats.RoundTripTime;
        Assert.NotNull(rtt);
        Assert.InRange(rtt.Value.TotalMilliseconds, 8, 14);
        Assert.False(call.Sender.InbandFec);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(21)]
    [InlineData(42)]
    public async Task Loopback_FivePercentLossAndJitter_ConcealsGapsAndReportsLoss(int seed)
    {
        short[] input = SpeechLikeSignal.Generate(TimeSpan.FromSeconds(10), seed: seed);
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var faults = new LinkFaults { DropRate = 0.05, Delay = TimeSpan.FromMilliseconds(10), Jitter = TimeSpan.FromMilliseconds(30) };
        await using var source = new MemoryAudioSource(input);
        await using CallHarness call = await CallHarness.StartAsync(source, faults, caller, callee, seed: seed);

        await call.RunAsync(TimeSpan.FromSeconds(12));
        await call.Receiver.Completion;
        short[] output = call.Sink.ToArray();
        JitterBufferSnapshot playout = call.Receiver.JitterBuffer;
        CallStats final = call.Receiver.LatestStats!;

        TestContext.Current.TestOutputHelper?.WriteLine($"lossy: correlation {SignalMath.AlignedCorrelation(input, output, 14_400, out _):F3}, loss {final.TotalLossFraction:P2} (link {call.Media.Dropped}/{call.Media.Sent}), jitter {final.Jitter.TotalMilliseconds:F1} ms, decoded {playout.DecodedFrames}, fec {playout.FecRecoveredFrames}, concealed {playout.ConcealedFrames}, stretched {playout.StretchedFrames}, drained {playout.DrainedFrames}, late {playout.LateFrames}, target {final.JitterBufferTarget.TotalMilliseconds} ms, p95 {final.LatencyP95?.TotalMilliseconds} ms, duration {output.Length - input.Length:+0;-0} samples, quality {final.Quality}");

        // Every playout tick after the start produced audio: decoded, recovered, or concealed.
        Assert.Equal(call.Receiver.PlayedFrames, call.Sink.FrameCount);
        Assert.Equal(playout.DecodedFrames + playout.FecRecoveredFrames + playout.ConcealedFrames + playout.StretchedFrames, call.Sink.FrameCount);
        Assert.True(playout.ConcealedFrames + playout.FecRecoveredFrames > 0);
        // Statistics report one concealment figure: lost or late frames concealed plus frames inserted to grow the delay.
        Assert.Equal(playout.ConcealedFrames + playout.StretchedFrames, playout.PlayedConcealmentFrames);
        Assert.Equal(playout.PlayedConcealmentFrames, final.Counters.ConcealedFrames);
        double correlation = SignalMath.AlignedCorrelation(input, output, 14_400, out int lag);
        Assert.True(correlation >= 0.8, $"correlation {correlation:F3} at lag {lag}");
        AssertNoSilentGaps(input, output, lag);

        // Stats report about the link's loss (5% of writes were dropped).
        double actualLoss = (double)call.Media.Dropped / call.Media.Sent;
        Assert.InRange(final.TotalLossFraction, actualLoss - 0.01, actualLoss + 0.01);
        Assert.InRange(final.TotalLossFraction, 0.03, 0.07);
        Assert.True(final.Jitter > TimeSpan.FromMilliseconds(3));
        Assert.NotNull(call.Sender.Stats.RoundTripTime);
        // The sender heard about the loss and switched FEC on.
        Assert.True(call.Sender.InbandFec);
    }

    [Fact]
    public async Task Sender_LossReportedThenClean_SwitchesFecOnThenOff()
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        await using var source = new MemoryAudioSource(SpeechLikeSignal.Generate(TimeSpan.FromSeconds(12)));
        await using CallHarness call = await CallHarness.StartAsync(source, new LinkFaults { DropRate = 0.1 }, caller, callee, seed: 3);

        Assert.False(call.Sender.InbandFec);
        await call.RunAsync(TimeSpan.FromSeconds(3.5));
        Assert.True(call.Sender.InbandFec);
        Assert.True(call.Sender.Stats.Compute(null).RemoteLossFraction > 0.02);

        call.Media.Faults = LinkFaults.Clean;
        await call.RunAsync(TimeSpan.FromSeconds(8));
        Assert.False(call.Sender.InbandFec);
        Assert.Equal(0, call.Sender.Stats.Compute(null).RemoteLossFraction);
        Assert.True(call.Sender.ReportsReceived >= 10);
    }

    [Fact]
    public async Task Loopback_WrongKey_FramesDroppedAndCounted()
    {
        (CallKeys intruder, _) = TestKeys.ForCall(TestKeys.CallId, callerSecret: CallKeys.NewSecret());
        (_, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        await using var source = new ToneSource(duration: TimeSpan.FromSeconds(1));
        await using CallHarness call = await CallHarness.StartAsync(source, LinkFaults.Clean, intruder, callee);

        await call.RunAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(50, call.Sender.FramesSent);
        Assert.Equal(50, call.Receiver.AuthenticationFailures);
        Assert.Equal(50, call.Receiver.RejectedFrames);
        Assert.Equal(0, call.Sink.FrameCount);
        Assert.Equal(50, call.Receiver.LatestStats!.Counters.RejectedFrames);
    }

    [Fact]
    public async Task Loopback_KeysOfAnotherCall_FramesDroppedAndCounted()
    {
        (CallKeys otherCall, _) = TestKeys.ForCall(Guid.NewGuid());
        (_, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        await using var source = new ToneSource(duration: TimeSpan.FromSeconds(1));
        await using CallHarness call = await CallHarness.StartAsync(source, LinkFaults.Clean, otherCall, callee);

        await call.RunAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(50, call.Receiver.AuthenticationFailures);
        Assert.Equal(0, call.Sink.FrameCount);
    }

    [Fact]
    public async Task Loopback_PreambleForAnotherCall_StreamRefused()
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        await using var source = new ToneSource(duration: TimeSpan.FromSeconds(1));
        await using CallHarness call = await CallHarness.StartAsync(source, LinkFaults.Clean, caller, callee, senderCallId: Guid.NewGuid());

        await call.RunAsync(TimeSpan.FromSeconds(2));

        var ex = await Assert.ThrowsAsync<MediaException>(() => call.Receiver.Completion);
        Assert.Equal(MediaError.UnexpectedStream, ex.Error);
        Assert.Equal(0, call.Sink.FrameCount);
    }

    [Fact]
    public async Task Loopback_ReplayedFrames_DroppedAndCounted()
    {
        short[] input = SpeechLikeSignal.Generate(TimeSpan.FromSeconds(3));
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        await using var source = new MemoryAudioSource(input);
        await using CallHarness call = await CallHarness.StartAsync(source, new LinkFaults { DuplicateRate = 0.1 }, caller, callee);

        await call.RunAsync(TimeSpan.FromSeconds(5));
        await call.Receiver.Completion;

        Assert.True(call.Media.Duplicated > 5);
        Assert.Equal(call.Media.Duplicated, call.Receiver.ReplayedFrames);
        Assert.Equal(0, call.Receiver.JitterBuffer.DuplicateFrames);
        Assert.True(SignalMath.AlignedCorrelation(input, call.Sink.ToArray(), 9600, out _) >= 0.9);
    }

    [Fact]
    public async Task Loopback_Muted_SendsSilenceAndKeepsStreamAlive()
    {
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        await using var source = new ToneSource(440, 0.5, TimeSpan.FromSeconds(4));
        await using CallHarness call = await CallHarness.StartAsync(source, LinkFaults.Clean, caller, callee);

        await call.RunAsync(TimeSpan.FromSeconds(2));
        call.Sender.Muted = true;
        await call.RunAsync(TimeSpan.FromSeconds(4));
        await call.Receiver.Completion;

        short[] output = call.Sink.ToArray();
        Assert.Equal(200, call.Sender.FramesSent);
        Assert.Equal(200, call.Sink.FrameCount);
        Assert.True(SignalMath.Rms(output.AsSpan(AudioFormat.SampleRate / 2, AudioFormat.SampleRate)) > 5000);
        Assert.True(SignalMath.Rms(output.AsSpan(3 * AudioFormat.SampleRate, AudioFormat.SampleRate / 2)) < 100);
        Assert.Equal(0, call.Receiver.JitterBuffer.ConcealedFrames);
    }

    [Fact]
    public async Task Sender_NotPacedForLiveDevices_SendsAsFastAsSourceDelivers()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var link = new FaultyLink(time, LinkFaults.Clean, seed: 1);
        (CallKeys caller, _) = TestKeys.ForCall(TestKeys.CallId);
        var push = new PushAudioSource();
        await using AudioSender sender = await AudioSender.StartAsync(TestKeys.CallId, caller, link.Writer, push,
            options: new AudioSenderOptions { PaceWithClock = false }, timeProvider: time, cancellationToken: Ct);

        await push.PushAsync(new short[10 * AudioFormat.SamplesPerFrame], Ct);
        push.Complete();
        await sender.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(10, sender.FramesSent);
        Assert.Equal(11, link.Sent); // preamble + 10 frames, without the clock moving
    }

    [Fact]
    public async Task SenderAndReceiver_OverPipeStreamsOnSystemClock_DeliverAudio()
    {
        // Any Stream pair works: here System.IO.Pipelines streams and the real clock (no timing asserted).
        var media = new System.IO.Pipelines.Pipe();
        var reports = new System.IO.Pipelines.Pipe();
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var sink = new MemoryAudioSink();
        await using AudioReceiver receiver = await AudioReceiver.StartAsync(TestKeys.CallId, callee, media.Reader.AsStream(), sink,
            reports: reports.Writer.AsStream(), options: new AudioReceiverOptions { StatsInterval = TimeSpan.FromMilliseconds(100) }, cancellationToken: Ct);
        await using AudioSender sender = await AudioSender.StartAsync(TestKeys.CallId, caller, media.Writer.AsStream(),
            new ToneSource(duration: TimeSpan.FromMilliseconds(600)), reports: reports.Reader.AsStream(), cancellationToken: Ct);

        await sender.Completion.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await receiver.Completion.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(30, sender.FramesSent);
        Assert.Equal(30, receiver.JitterBuffer.ReceivedFrames);
        Assert.True(receiver.JitterBuffer.DecodedFrames > 0);
        Assert.True(sink.FrameCount > 0);
        Assert.Equal(0, receiver.RejectedFrames);
    }

    private static MemoryStream WavStream(short[] samples)
    {
        var stream = new MemoryStream();
        WavHeader.Write(stream, samples, AudioFormat.SampleRate, 1);
        stream.Position = 0;
        return stream;
    }

    private static async Task<short[]> RoundTripThroughWavFile(short[] samples)
    {
        var file = new MemoryStream();
        await using (WavFileSink sink = WavFileSink.Create(file, leaveOpen: true))
        {
            foreach (short[] frame in samples.Chunk(AudioFormat.SamplesPerFrame))
            {
                await sink.WriteFrameAsync(frame, Ct);
            }
        }

        file.Position = 0;
        await using WavFileSource source = await WavFileSource.OpenAsync(file, cancellationToken: Ct);
        return await AudioDeviceTests.ReadAllAsync(source);
    }

    /// <summary>No 20 ms stretch where the input is clearly speaking but the output is silent.</summary>
    private static void AssertNoSilentGaps(short[] input, short[] output, int lag)
    {
        int gaps = 0;
        for (int start = 0; start + AudioFormat.SamplesPerFrame + lag <= output.Length && start + AudioFormat.SamplesPerFrame <= input.Length; start += AudioFormat.SamplesPerFrame)
        {
            double inRms = SignalMath.Rms(input.AsSpan(start, AudioFormat.SamplesPerFrame));
            double outRms = SignalMath.Rms(output.AsSpan(start + lag, AudioFormat.SamplesPerFrame));
            if (inRms > 3000 && outRms < inRms * 0.1)
            {
                gaps++;
            }
        }

        Assert.Equal(0, gaps);
    }
}
