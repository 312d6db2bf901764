using System.Diagnostics;
using System.Globalization;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Video;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Benchmarks.Calls;

/// <summary>
/// The demo's loopback call as a measurement: two nodes in this process, Alice talks (<see cref="SpeechLikeSource"/>)
/// and shows <see cref="NoisyPatternSource"/> (VP9 at 640x480, content that keeps the encoder busy), Bob answers with
/// his microphone silent. Per run: Bob's mouth-to-ear latency percentiles (capture timestamp of each frame to its
/// playout tick, over the whole run when it is at most 10 s: <see cref="Media.Stats.CallStatsCalculator.LatencyWindow"/>),
/// concealed share of played audio, and process CPU per call second. CPU is compared in the steady window (from media
/// flowing both ways to hang-up) with <see cref="RawCodecBaseline"/>, run after each call on exactly the media work of
/// that window: the frames each stream sent and the video bitrate the call's controller chose at each frame; and again
/// with the test sources' own cost (<see cref="TestSourceCost"/>, in both sides) taken out of both. The whole call's CPU
/// (set-up and teardown included) is printed as well. <c>--busy</c> keeps both cores busy from a child
/// process at normal priority while calls run.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --call-harness [tcp|quic] [seconds] [runs] [--busy] [--no-video]</c>.
/// </summary>
internal static class CallLatencyHarness
{
    private static readonly VideoFormat Video = new(640, 480, 24);

    public static async Task RunAsync(string[] args)
    {
        var flags = args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToHashSet();
        var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var provider = positional is ["quic", ..] ? TransportProvider.Quic : TransportProvider.TcpTls;
        var seconds = positional.Length > 1 ? double.Parse(positional[1], CultureInfo.InvariantCulture) : 10;
        var runs = positional.Length > 2 ? int.Parse(positional[2], CultureInfo.InvariantCulture) : 3;
        var busy = flags.Contains("--busy");
        var video = !flags.Contains("--no-video");

        Console.WriteLine($"call harness: provider={provider} video={video} busy={busy} seconds={seconds} runs={runs} cores={Environment.ProcessorCount} load={LoadAverage()} {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z");
        using var spinner = busy ? BusySpinner.Start(TimeSpan.FromSeconds((seconds + 15) * (runs + 1))) : null;

        // One short call first, not reported: JIT and tiering, so the runs compare steady states.
        await RunCallAsync(provider, TimeSpan.FromSeconds(3), video);
        var results = new List<RunResult>();
        for (int run = 0; run < runs; run++)
        {
            var result = await RunCallAsync(provider, TimeSpan.FromSeconds(seconds), video);
            results.Add(result);
            var w = result.Work;
            Console.WriteLine($"run {run + 1}: p50 {result.P50:0.0} ms p95 {result.P95:0.0} ms p99 {result.P99:0.0} ms, concealed {result.Concealed:P2} ({result.ConcealedFrames}/{result.Played}, late {result.Late}), "
                + $"video decoded {result.VideoDecoded}, gen2 GCs {result.Gen2}, load {LoadAverage()}");
            Console.WriteLine($"  media: {w.SpeechFrames}+{w.SilenceFrames} audio frames, {w.VideoFrames} video frames sent ({result.VideoDecodedSteady} decoded) at {string.Join(' ', w.VideoTargets.Select(t => $"{t.BitrateKbps}k@{t.FromFrame}"))}; "
                + $"pool work items {result.PoolItemsPerSecond:0}/s, context switches {result.ContextSwitchesPerSecond:0}/s");
            Console.WriteLine($"  CPU: steady {result.SteadyCpuPerSecond * 1000:0} ms per call second = {result.Ratio:0.00}x raw codecs on the same media ({result.BaselinePerSecond * 1000:0} ms); "
                + $"without the test sources ({result.SourcesPerSecond * 1000:0} ms) {result.RatioWithoutSources:0.00}x; whole call incl. setup and teardown {result.CpuPerSecond * 1000:0} ms per call second");
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }

        Console.WriteLine($"median of {runs}: p50 {Median(results.Select(r => r.P50)):0.0} ms p95 {Median(results.Select(r => r.P95)):0.0} ms p99 {Median(results.Select(r => r.P99)):0.0} ms "
            + $"(worst p95 {results.Max(r => r.P95):0.0} ms), concealed {Median(results.Select(r => r.Concealed)):P2}, "
            + $"CPU {Median(results.Select(r => r.SteadyCpuPerSecond)) * 1000:0} ms per call second = {Median(results.Select(r => r.Ratio)):0.00}x raw codecs "
            + $"({Median(results.Select(r => r.BaselinePerSecond)) * 1000:0} ms; {Median(results.Select(r => r.RatioWithoutSources)):0.00}x without the test sources; whole call {Median(results.Select(r => r.CpuPerSecond)) * 1000:0} ms)");
    }

    private static async Task<RunResult> RunCallAsync(TransportProvider provider, TimeSpan duration, bool video)
    {
        await using var alice = await StartNodeAsync(provider);
        await using var bob = await StartNodeAsync(provider);
        await using var speech = new SpeechLikeSource(seed: 7);
        await using var camera = video ? new NoisyPatternSource(Video) : null;
        var answered = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Calls.IncomingCall += async (_, e) =>
        {
            try
            {
                answered.TrySetResult(await bob.Calls.AnswerAsync(e.CallId, new CallMedia()));
            }
            catch (Exception ex)
            {
                answered.TrySetException(ex);
            }
        };

        var bobAddress = new EndpointAddr(bob.Messages.Endpoint.Id, [new IPEndPoint(IPAddress.Loopback, bob.Messages.Endpoint.LocalEndPoint.Port)]);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        int gen2Before = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        var aliceCall = await alice.Calls.StartCallAsync(bobAddress, new CallMedia { AudioSource = speech, VideoSource = camera, Video = video });
        var bobCall = await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The steady window starts once media flows both ways (set-up and the first keyframe are not per-second cost)
        // and ends before hanging up; the baseline then does exactly the media work done inside it.
        while ((bobCall.Counters.AudioFramesPlayed == 0 || aliceCall.Counters.AudioFramesPlayed == 0 || (video && bobCall.Counters.VideoFramesDecoded == 0))
            && aliceCall.State != CallState.Ended)
        {
            await Task.Delay(10);
        }

        var steadyClock = Stopwatch.StartNew();
        var steadyCpu = Process.GetCurrentProcess().TotalProcessorTime;
        long poolItems = ThreadPool.CompletedWorkItemCount;
        long switches = ContextSwitches();
        var aliceStart = aliceCall.Counters;
        var bobStart = bobCall.Counters;
        var targets = new List<VideoTarget>();
        while (aliceCall.Elapsed < duration && aliceCall.State != CallState.Ended)
        {
            if (aliceCall.LatestVideoStats is { SendWidth: >= 16, SendHeight: >= 16, TargetBitrateKbps: >= 10 } v
                && (targets.Count == 0 || targets[^1].BitrateKbps != v.TargetBitrateKbps || targets[^1].Width != v.SendWidth || targets[^1].Height != v.SendHeight))
            {
                targets.Add(new VideoTarget(targets.Count == 0 ? 0 : aliceCall.Counters.VideoFramesSent - aliceStart.VideoFramesSent, v.SendWidth, v.SendHeight, v.TargetBitrateKbps));
            }

            await Task.Delay(100);
        }

        var aliceEnd = aliceCall.Counters;
        var bobEnd = bobCall.Counters;
        double steadySeconds = steadyClock.Elapsed.TotalSeconds;
        double steady = (Process.GetCurrentProcess().TotalProcessorTime - steadyCpu).TotalSeconds;
        double poolPerSecond = (ThreadPool.CompletedWorkItemCount - poolItems) / steadySeconds;
        double switchesPerSecond = (ContextSwitches() - switches) / steadySeconds;

        var stats = bobCall.LatestStats;
        var counters = bobCall.Counters;
        await alice.Calls.EndAsync(aliceCall.Id);
        await bobCall.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        double wall = clock.Elapsed.TotalSeconds;

        var work = new MediaWork(
            aliceEnd.AudioFramesSent - aliceStart.AudioFramesSent,
            bobEnd.AudioFramesSent - bobStart.AudioFramesSent,
            aliceEnd.VideoFramesSent - aliceStart.VideoFramesSent,
            targets);
        double baseline = RawCodecBaseline.Measure(work, Video).TotalSeconds;
        double sources = TestSourceCost.Measure(work, Video).TotalSeconds;
        return new RunResult(
            stats?.LatencyP50?.TotalMilliseconds ?? double.NaN,
            stats?.LatencyP95?.TotalMilliseconds ?? double.NaN,
            stats?.LatencyP99?.TotalMilliseconds ?? double.NaN,
            counters.AudioFramesPlayed == 0 ? 1 : (double)counters.ConcealedFrames / counters.AudioFramesPlayed,
            counters.ConcealedFrames,
            counters.LateFrames,
            counters.AudioFramesPlayed,
            counters.VideoFramesDecoded,
            bobEnd.VideoFramesDecoded - bobStart.VideoFramesDecoded,
            cpu / wall,
            steady / steadySeconds,
            baseline / steadySeconds,
            steady / baseline,
            (steady - sources) / (baseline - sources),
            sources / steadySeconds,
            poolPerSecond,
            switchesPerSecond,
            work,
            GC.CollectionCount(2) - gen2Before);
    }

    /// <summary>Voluntary and involuntary context switches of every thread of this process so far (Linux; 0 elsewhere).</summary>
    private static long ContextSwitches()
    {
        long total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a thread ended while being read, or no procfs: the count is only a diagnostic
        }

        return total;
    }

    private static async Task<IrohSocialNode> StartNodeAsync(TransportProvider provider) =>
        await IrohSocialNode.StartAsync(new IrohSocialNodeOptions
        {
            SecretKey = SecretKey.Generate(),
            Store = new InMemoryMessagingStore(),
            BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
            Provider = provider,
            Extensions = [new CallsExtension()],
            BrowseLocalNetwork = false,
        });

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private sealed record RunResult(
        double P50, double P95, double P99, double Concealed, long ConcealedFrames, long Late, long Played, long VideoDecoded, long VideoDecodedSteady,
        double CpuPerSecond, double SteadyCpuPerSecond, double BaselinePerSecond, double Ratio, double RatioWithoutSources, double SourcesPerSecond, double PoolItemsPerSecond, double ContextSwitchesPerSecond,
        MediaWork Work, int Gen2);
}
