using IrohSocial.Hardening.Tests.Faults;
using IrohSocial.IntegrationTests.Calls.Support;
using IrohSocial.Media.Tests.Support;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.IntegrationTests.Calls;

/// <summary>Audio calls between two nodes over real loopback sockets (run alone: they measure real-time playout).</summary>
[Collection(nameof(RealTimeMediaCollection))]
public sealed class AudioCallTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WavCall_ReceivedAudioMatchesInput_AndBothSidesRecordCompleted()
    {
        // One second of lead-in silence: the first frames of a call meet cold code paths (JIT, codec setup) on
        // both sides; a frame concealed there must not shift the speech that follows.
        short[] input = [.. new short[AudioFormat.SampleRate], .. SpeechLikeSignal.Generate(TimeSpan.FromSeconds(4))];
        var inputWav = new MemoryStream();
        await using (var writer = WavFileSink.Create(inputWav, leaveOpen: true))
        {
            foreach (short[] frame in input.Chunk(AudioFormat.SamplesPerFrame))
            {
                await writer.WriteFrameAsync(frame, Ct);
            }
        }

        inputWav.Position = 0;
        var receivedWav = new MemoryStream();
        // This machine is shared and busy: a deeper jitter buffer absorbs scheduling stalls of the real clocks, so
        // the check measures the call path rather than the scheduler (the media tests cover the default settings on a fake clock).
        await using var nodes = await CallNodes.StartAsync(CallNodes.FastOptions with
        {
            AudioReceiver = new AudioReceiverOptions
            {
                JitterBuffer = new JitterBufferOptions { MinDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromMilliseconds(400), DrainHysteresis = TimeSpan.FromMilliseconds(300) },
            },
        });
        await using var source = await WavFileSource.OpenAsync(inputWav, cancellationToken: Ct);
        var sink = WavFileSink.Create(receivedWav, leaveOpen: true);
        var stats = new List<CallStatsEvent>();
        nodes.Bob.Calls.StatsUpdated += (_, e) => { lock (stats) { stats.Add(e); } };
        var answered = CallNodes.AutoAnswer(nodes.Bob, () => new CallMedia { AudioSink = sink });

        Call outgoing = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia { AudioSource = source }, Ct);
        Assert.Equal(CallDirection.Outgoing, outgoing.Direction);
        Call incoming = await answered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(outgoing.Id, incoming.Id);
        Assert.Equal(CallState.Active, incoming.State);

        await incoming.ReceivedAudioEnded.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(CallState.Active, outgoing.State);
        Assert.True(outgoing.Elapsed > TimeSpan.FromSeconds(4), $"timer {outgoing.Elapsed}");
        CallCounters counters = incoming.Counters;
        await nodes.Alice.Calls.EndAsync(outgoing.Id, Ct);
        Assert.Equal(CallEndReason.Completed, await outgoing.Completion.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        await sink.DisposeAsync();

        receivedWav.Position = 0;
        await using var received = await WavFileSource.OpenAsync(receivedWav, cancellationToken: Ct);
        short[] output = await CallNodes.ReadAllAsync(received);
        TestContext.Current.TestOutputHelper?.WriteLine($"played {counters.AudioFramesPlayed} concealed {counters.ConcealedFrames} sent {outgoing.Counters.AudioFramesSent} rms in {SignalMath.Rms(input):F0} out {SignalMath.Rms(output):F0} stats {incoming.LatestStats}");
        Assert.InRange(output.Length, input.Length - 1920, input.Length + 1920);
        double correlation = SignalMath.AlignedCorrelation(input, output, 9600, out int lag);
        Assert.True(correlation >= 0.9, $"correlation {correlation:F3} at lag {lag}");
        Assert.True(counters.AudioFramesPlayed >= input.Length / AudioFormat.SamplesPerFrame - 2, $"played {counters.AudioFramesPlayed}");
        lock (stats)
        {
            Assert.NotEmpty(stats);
            Assert.All(stats, s => Assert.Equal(incoming.Id, s.CallId));
        }

        Assert.NotNull(incoming.LatestStats);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"correlation {correlation:F3} lag {lag}, duration {output.Length - input.Length:+0;-0} samples, p50 {counters.LatencyP50?.TotalMilliseconds} ms, p95 {counters.LatencyP95?.TotalMilliseconds} ms, rtt {incoming.LatestStats!.RoundTripTime?.TotalMilliseconds} ms");

        CallRecord aliceRow = Assert.Single(await nodes.Alice.Calls.GetHistoryAsync(cancellationToken: Ct));
        CallRecord bobRow = Assert.Single(await nodes.Bob.Calls.GetHistoryAsync(cancellationToken: Ct));
        Assert.Equal((outgoing.Id, nodes.Bob.Id, CallDirection.Outgoing, CallEndReason.Completed, false), (aliceRow.CallId, aliceRow.Peer, aliceRow.Direction, aliceRow.EndedReason, aliceRow.HadVideo));
        Assert.Equal((outgoing.Id, nodes.Alice.Id, CallDirection.Incoming, CallEndReason.Completed, false), (bobRow.CallId, bobRow.Peer, bobRow.Direction, bobRow.EndedReason, bobRow.HadVideo));
        Assert.True(aliceRow.Duration > TimeSpan.FromSeconds(4));
        Assert.True(bobRow.Duration > TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task Mute_SendsSilenceWhileTheCallStaysUp_AndUnmuteRestoresAudio()
    {
        await using var nodes = await CallNodes.StartAsync();
        await using var tone = new ToneSource(440, 0.3);
        var sink = new MemoryAudioSink();
        var answered = CallNodes.AutoAnswer(nodes.Bob, () => new CallMedia { AudioSink = sink });
        Call outgoing = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia { AudioSource = tone }, Ct);
        Call incoming = await answered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await WaitForFramesAsync(sink, 50);
        double loud = SignalMath.Rms(LastFrames(sink, 10));
        outgoing.Muted = true;
        Assert.True(outgoing.Muted);
        await WaitForFramesAsync(sink, sink.FrameCount + 50);
        double muted = SignalMath.Rms(LastFrames(sink, 10));
        long sentWhileMuted = outgoing.Counters.AudioFramesSent;
        outgoing.Muted = false;
        await WaitForFramesAsync(sink, sink.FrameCount + 50);
        double unmuted = SignalMath.Rms(LastFrames(sink, 10));

        TestContext.Current.TestOutputHelper?.WriteLine($"rms loud {loud:F0}, muted {muted:F0}, unmuted {unmuted:F0}");
        Assert.True(loud > 3000, $"loud {loud}");
        Assert.True(muted < loud / 20, $"muted {muted} vs {loud}");
        Assert.True(unmuted > 3000, $"unmuted {unmuted}");
        Assert.True(outgoing.Counters.AudioFramesSent > sentWhileMuted);
        Assert.Equal(CallState.Active, incoming.State);
        await nodes.Alice.Calls.EndAsync(outgoing.Id, Ct);
        Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    private static short[] LastFrames(MemoryAudioSink sink, int frames)
    {
        short[] all = sink.ToArray();
        return all[Math.Max(0, all.Length - (frames * AudioFormat.SamplesPerFrame))..];
    }

    private static async Task WaitForFramesAsync(MemoryAudioSink sink, int frames)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (sink.FrameCount < frames)
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20, Ct);
        }
    }
}
