using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using IrohSocial.Media.Video;

namespace IrohSocial.Benchmarks.Video;

/// <summary>
/// VP9 encode and decode of 96 frames of moving 640x480 content, one thread, through VpxSharp (Vp9Encoder/Vp9Decoder)
/// and through the reference command-line tools with the same settings. The tools' numbers include process start
/// and file I/O (a few milliseconds against hundreds), ours include codec creation and copying decoded pictures out.
/// Frames per second = 96 / mean time; the Ratio column is our time over the tool's (below 1 is faster).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class VideoBenchmarks
{
    private const int Frames = 96;
    private const int Width = 640;
    private const int Height = 480;
    private const int Fps = 24;
    private const int Kbps = 1000;
    private const int CpuUsed = 7;

    private readonly List<I420Frame> _frames = [];
    private readonly List<byte[]> _packets = [];
    private string _dir = "";
    private string _y4m = "";
    private string _ivf = "";

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("video-bench-").FullName;
        _y4m = Path.Combine(_dir, "input.y4m");
        _ivf = Path.Combine(_dir, "stream.ivf");
        for (var i = 0; i < Frames; i++)
        {
            _frames.Add(TestPatternSource.Render(Width, Height, i));
        }

        var format = new VideoFormat(Width, Height, Fps);
        var sink = Y4mFileSink.CreateAsync(_y4m, format).AsTask().GetAwaiter().GetResult();
        foreach (var frame in _frames)
        {
            sink.WriteFrameAsync(frame).AsTask().GetAwaiter().GetResult();
        }

        sink.DisposeAsync().AsTask().GetAwaiter().GetResult();

        using var encoder = NewEncoder();
        var writer = IvfWriter.Create(_ivf, Width, Height, Fps);
        foreach (var frame in _frames)
        {
            foreach (var packet in encoder.Encode(frame))
            {
                _packets.Add(packet.Data);
                writer.WriteFrameAsync(packet.Data, packet.FrameIndex).AsTask().GetAwaiter().GetResult();
            }
        }

        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _frames.ForEach(f => f.Dispose());
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    [BenchmarkCategory("Encode")]
    public int Encode_VpxSharp()
    {
        using var encoder = NewEncoder();
        var bytes = 0;
        foreach (var frame in _frames)
        {
            foreach (var packet in encoder.Encode(frame))
            {
                bytes += packet.Data.Length;
            }
        }

        return bytes;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Encode")]
    public int Encode_Vpxenc() => Run(
        "vpxenc",
        "--codec=vp9", "--rt", $"--cpu-used={CpuUsed}", "--threads=1", "--end-usage=cbr", $"--target-bitrate={Kbps}",
        "--lag-in-frames=0", "--kf-min-dist=0", "--kf-max-dist=48", "--min-q=2", "--max-q=52", "--undershoot-pct=50",
        "--overshoot-pct=50", "--buf-sz=1000", "--buf-initial-sz=500", "--buf-optimal-sz=600", "--drop-frame=0",
        "--resize-allowed=0", "--aq-mode=3", "--static-thresh=1", "--tune-content=default", "--quiet", "--ivf",
        "-o", Path.Combine(_dir, "vpxenc.ivf"), _y4m);

    [Benchmark]
    [BenchmarkCategory("Decode")]
    public int Decode_VpxSharp()
    {
        using var decoder = new Vp9Decoder(threads: 1);
        var decoded = 0;
        foreach (var packet in _packets)
        {
            using var frame = decoder.Decode(packet).Frame;
            decoded += frame is null ? 0 : 1;
        }

        return decoded;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Decode")]
    public int Decode_Vpxdec() => Run("vpxdec", "--codec=vp9", "--threads=1", "--noblit", _ivf);

    private static Vp9Encoder NewEncoder() => new(new Vp9EncoderOptions
    {
        Width = Width, Height = Height, FramesPerSecond = Fps, TargetBitrateKbps = Kbps, Threads = 1, CpuUsed = CpuUsed,
    });

    private static int Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? 0 : throw new InvalidOperationException($"{file} failed: {stderr}");
    }
}
