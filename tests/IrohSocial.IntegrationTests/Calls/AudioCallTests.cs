using IrohSocial.Hardening.Tests.Faults;
using IrohSocial.IntegrationTests.Calls.Support;
using IrohSocial.Media.Tests.Support;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Stats;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

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
        (short[] input, MemoryStream inputWav) = await CallNodes.SpeechWavAsync(TimeSpan.FromSeconds(4));
        var receivedWav = new MemoryStream();
        // A fixed 60 ms jitter buffer (it neither grows nor drains) instead of the defaults. The sender and the playout
        // clock now keep their 20 ms schedules through stalls, and the defaults pass most runs, but on this shared
        // 2-core machine (load 3-17 while others build) both nodes of the test process stall together now and then; the
        // adaptive buffer answers with a drained or stretched frame, which shifts the rest of the speech by 20 ms and
        // costs the single-lag correlation 0.3 or more (measured here: with the defaults or an adaptive 60-80 ms buffer
        // about a third of the runs failed; fixed 60 ms passed 4 of 4). Frames that still come late are concealed in
        // place, which keeps the timeline. The default settings, their adaptation and the 80 ms p95 latency are covered
        // on a fake clock by the media tests.
        var fixedDelay = TimeSpan.FromMilliseconds(60);
        await using var nodes = await CallNodes.StartAsync(CallNodes.FastOptions with
        {
            AudioReceiver = new AudioReceiverOptions
            {
                JitterBuffer = new JitterBufferOptions { MinDelay = fixedDelay, MaxDelay = fixedDelay, DrainHysteresis = TimeSpan.FromMilliseconds(200) },
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

        short[] output = await CallNodes.ReadWavAsync(receivedWav);
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
        // One concealment number: counters and the final statistics agree.
        Assert.Equal(counters.ConcealedFrames, incoming.LatestStats.Counters.ConcealedFrames);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"correlation {correlation:F3} lag {lag}, duration {output.Length - input.Length:+0;-0} samples, p50 {incoming.LatestStats?.LatencyP50?.TotalMilliseconds} ms, p95 {incoming.LatestStats?.LatencyP95?.TotalMilliseconds} ms, rtt {incoming.LatestStats!.RoundTripTime?.TotalMilliseconds} ms");

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

        // Ended mid-stream: once the call completed, the played-frames counter is final and names every frame the
        // sink got (frames played between leaving the call and the leg's disposal used to be missed).
        long played = incoming.Counters.AudioFramesPlayed;
        await Task.Delay(100, Ct);
        Assert.Equal(sink.FrameCount, played);
        Assert.Equal(played, incoming.Counters.AudioFramesPlayed);
    }

    [Fact]
    public async Task ConcealedFrames_CountersAndStatsAgree_AcrossAStallAndARestoredConnection()
    {
        var options = CallNodes.FastOptions with { ReconnectWindow = TimeSpan.FromSeconds(8) };
        await CallNodes.WithProxiedPairAsync(async (log, alice, bob, proxy) =>
        {
            await using var tone = new ToneSource(440, 0.3, TimeSpan.FromSeconds(6));
            var answered = CallNodes.AutoAnswer(bob, () => new CallMedia { AudioSink = new MemoryAudioSink() });
            Call outgoing = await alice.Calls.StartCallAsync(new EndpointAddr(bob.Id, [proxy.EndPoint]), new CallMedia { AudioSource = tone }, Ct);
            Call incoming = await answered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            await WaitUntilAsync(() => incoming.Counters.AudioFramesPlayed >= 25);

            // A 300 ms stall on the path: playout runs dry and conceals, then the held frames arrive late and the
            // buffer grows (stretched frames). All of it is concealment on the first connection.
            proxy.Plan = new FaultPlan { Delay = TimeSpan.FromMilliseconds(300) };
            await WaitUntilAsync(() => incoming.Counters.ConcealedFrames > 0);
            proxy.Plan = FaultPlan.None;
            await WaitUntilAsync(() => incoming.LatestStats?.Counters.ConcealedFrames > 0);
            long concealedOnFirstConnection = incoming.Counters.ConcealedFrames;
            CallStats onFirstConnection = incoming.LatestStats!;

            // Then the connection is cut and restored: the second connection's receiver starts its counts from zero.
            long connectionsBefore = proxy.AcceptedConnections;
            long playedAtReset = incoming.Counters.AudioFramesPlayed;
            proxy.ResetAll();
            await WaitUntilAsync(() => proxy.AcceptedConnections > connectionsBefore && incoming.Counters.AudioFramesPlayed >= playedAtReset + 25);
            await incoming.ReceivedAudioEnded.WaitAsync(TimeSpan.FromSeconds(30), Ct);

            CallCounters counters = incoming.Counters;
            TestContext.Current.TestOutputHelper?.WriteLine($"concealed: first connection {concealedOnFirstConnection}, counters {counters.ConcealedFrames}, stats {incoming.LatestStats?.Counters.ConcealedFrames}, played {counters.AudioFramesPlayed}");
            Assert.True(counters.ConcealedFrames >= concealedOnFirstConnection);
            // One number from one source: the final statistics carry the call's running total, over both connections.
            Assert.Equal(counters.ConcealedFrames, incoming.LatestStats!.Counters.ConcealedFrames);
            // The other frame counts are running totals too: the second connection does not start them from zero.
            Assert.True(incoming.LatestStats.Counters.LateFrames >= onFirstConnection.Counters.LateFrames, $"late {incoming.LatestStats.Counters.LateFrames} < {onFirstConnection.Counters.LateFrames}");
            Assert.True(incoming.LatestStats.Counters.FecRecoveredFrames >= onFirstConnection.Counters.FecRecoveredFrames);
            Assert.True(incoming.LatestStats.Counters.RejectedFrames >= onFirstConnection.Counters.RejectedFrames);
            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct));
            Assert.Equal(counters.ConcealedFrames, incoming.Counters.ConcealedFrames);
        }, aliceOptions: options, bobOptions: options);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20, Ct);
        }
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
