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
/// concealed share of played audio, and process CPU per call second. The baseline, measured in the same run: raw
/// Opus encode + decode of the same two audio streams and VP9 encode + decode of the same frames, for as many media
/// seconds as a call run. <c>--busy</c> keeps both cores busy from a child process at normal priority while calls run.
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
        using var spinner = busy ? BusySpinner.Start(TimeSpan.FromSeconds((seconds + 10) * (runs + 1))) : null;
        var baseline = RawCodecBaseline.CpuPerMediaSecond(TimeSpan.FromSeconds(seconds), video, Video);
        Console.WriteLine($"baseline raw Opus x2 + VP9 encode/decode: {baseline * 1000:0.0} ms CPU per media second");

        // One short call first, not reported: JIT and tiering, so the runs compare steady states.
        await RunCallAsync(provider, TimeSpan.FromSeconds(3), video);
        var results = new List<RunResult>();
        for (int run = 0; run < runs; run++)
        {
            var result = await RunCallAsync(provider, TimeSpan.FromSeconds(seconds), video);
            results.Add(result);
            Console.WriteLine($"run {run + 1}: p50 {result.P50:0.0} ms p95 {result.P95:0.0} ms p99 {result.P99:0.0} ms, concealed {result.Concealed:P2} ({result.ConcealedFrames}/{result.Played}, late {result.Late}), "
                + $"video decoded {result.VideoDecoded}, CPU {result.CpuPerSecond * 1000:0} ms per call second ({result.CpuPerSecond / baseline:0.00}x baseline), gen2 GCs {result.Gen2}, load {LoadAverage()}");
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }

        Console.WriteLine($"median of {runs}: p50 {Median(results.Select(r => r.P50)):0.0} ms p95 {Median(results.Select(r => r.P95)):0.0} ms p99 {Median(results.Select(r => r.P99)):0.0} ms "
            + $"(worst p95 {results.Max(r => r.P95):0.0} ms), concealed {Median(results.Select(r => r.Concealed)):P2}, "
            + $"CPU {Median(results.Select(r => r.CpuPerSecond)) * 1000:0} ms per call second = {Median(results.Select(r => r.CpuPerSecond)) / baseline:0.00}x baseline");
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
        while (aliceCall.Elapsed < duration && aliceCall.State != CallState.Ended)
        {
            await Task.Delay(100);
        }

        var stats = bobCall.LatestStats;
        var counters = bobCall.Counters;
        await alice.Calls.EndAsync(aliceCall.Id);
        await bobCall.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        return new RunResult(
            stats?.LatencyP50?.TotalMilliseconds ?? double.NaN,
            stats?.LatencyP95?.TotalMilliseconds ?? double.NaN,
            stats?.LatencyP99?.TotalMilliseconds ?? double.NaN,
            counters.AudioFramesPlayed == 0 ? 1 : (double)counters.ConcealedFrames / counters.AudioFramesPlayed,
            counters.ConcealedFrames,
            counters.LateFrames,
            counters.AudioFramesPlayed,
            counters.VideoFramesDecoded,
            cpu / clock.Elapsed.TotalSeconds,
            GC.CollectionCount(2) - gen2Before);
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

    private sealed record RunResult(double P50, double P95, double P99, double Concealed, long ConcealedFrames, long Late, long Played, long VideoDecoded, double CpuPerSecond, int Gen2);
}
