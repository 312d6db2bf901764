using IrohSocial.Testing;
using System.Text.Json;

namespace IrohSocial.Demo.Tests;

public sealed class DemoRunnerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "irohsocial-demo-test-" + Guid.NewGuid().ToString("N"));

    private string Out => Path.Combine(_root, "out");

    [Fact]
    public async Task Run_WithoutLibvpx_RunsEverythingElseAudioOnly_SaysVideoWasSkippedAndHow_ExitsZero()
    {
        var console = new StringWriter();

        var exit = await new DemoRunner(new DemoOptions { OutputDirectory = Out, CallDuration = TimeSpan.FromSeconds(1) }, console, null, libvpxAvailable: false).RunAsync();

        var text = console.ToString();
        Assert.True(exit == DemoRunner.Success, text);
        var lines = text.Split('\n');
        Assert.StartsWith("note: libvpx (VP9) was not found, so video is skipped", lines[0]);
        Assert.Contains("apt-get install libvpx7", lines[1]);
        Assert.Contains("brew install libvpx", lines[1]);
        Assert.Contains(lines, l => l.StartsWith("  video skipped: libvpx was not found. To enable it:", StringComparison.Ordinal));
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "summary.json")));
        Assert.Equal(6, summary.RootElement.GetProperty("messages_delivered").GetInt32());
        Assert.Equal(2, summary.RootElement.GetProperty("offline_delivered").GetInt32());
        Assert.False(summary.RootElement.GetProperty("call").GetProperty("video").GetBoolean());
        Assert.True(summary.RootElement.GetProperty("call").GetProperty("audio_frames_played").GetInt64() > 0);
    }

    [Fact]
    public async Task Run_VideoFileWithoutLibvpx_FailsNamingLibvpx()
    {
        var console = new StringWriter();
        var y4m = Path.Combine(_root, "in.y4m");
        Directory.CreateDirectory(_root);
        await File.WriteAllTextAsync(y4m, "YUV4MPEG2 W2 H2 F24:1\n");

        var exit = await new DemoRunner(new DemoOptions { OutputDirectory = Out, VideoInput = y4m }, console, null, libvpxAvailable: false).RunAsync();

        Assert.Equal(DemoRunner.MissingPrerequisite, exit);
        Assert.Contains("--video-in needs libvpx", console.ToString());
    }

    [Fact]
    public async Task Run_AudioOnly_SucceedsAndSummaryCountsEveryStep()
    {
        var console = new StringWriter();
        var data = Path.Combine(_root, "data");

        var exit = await new DemoRunner(new DemoOptions { Transport = TestTransport.Require(), OutputDirectory = Out, DataDirectory = data, NoVideo = true, CallDuration = TimeSpan.FromSeconds(2), Message = "custom first message" }, console).RunAsync();

        Assert.True(exit == DemoRunner.Success, console.ToString());
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "summary.json")));
        var root = summary.RootElement;
        // first, reply, the deleted one, two offline, the attachment's message
        Assert.Equal(6, root.GetProperty("messages_sent").GetInt32());
        Assert.Equal(6, root.GetProperty("messages_delivered").GetInt32());
        Assert.Equal(6, root.GetProperty("messages_received").GetInt32());
        Assert.Equal(2, root.GetProperty("offline_delivered").GetInt32());
        Assert.Equal(1, root.GetProperty("read_receipts").GetInt32());
        Assert.Equal(1, root.GetProperty("typing_seen").GetInt32());
        Assert.Equal(256 * 1024, root.GetProperty("attachment_bytes").GetInt64());
        Assert.Contains("Bob got \"custom first message\"", console.ToString());
        var call = root.GetProperty("call");
        Assert.True(call.GetProperty("duration_s").GetDouble() >= 2);
        Assert.False(call.GetProperty("video").GetBoolean());
        Assert.True(call.GetProperty("audio_frames_sent").GetInt64() > 0);
        var played = call.GetProperty("audio_frames_played").GetInt64();
        Assert.True(played > call.GetProperty("concealed_frames").GetInt64());
        Assert.Equal(0, call.GetProperty("video_frames_sent").GetInt64());
        Assert.True(call.GetProperty("latency_ms_p95").GetDouble() >= call.GetProperty("latency_ms_p50").GetDouble());
        AssertWav(Path.Combine(Out, "received.wav"), played);
        Assert.False(File.Exists(Path.Combine(Out, "received.ivf")));
        // --data keeps both stores (sealed SQLite files) and identities.
        Assert.True(File.Exists(Path.Combine(data, "alice.db")));
        Assert.True(File.Exists(Path.Combine(data, "bob.db")));
        var db = await File.ReadAllBytesAsync(Path.Combine(data, "bob.db"));
        Assert.Equal(-1, db.AsSpan().IndexOf("custom first message"u8));
    }

    [Fact]
    public async Task Run_WithVideo_WritesDecodableIvfAndCountsFrames()
    {
        Assert.SkipUnless(VpxSharp.VpxLibrary.IsAvailable, "libvpx is not installed");
        var console = new StringWriter();

        var exit = await new DemoRunner(new DemoOptions { Transport = TestTransport.Require(), OutputDirectory = Out, CallDuration = TimeSpan.FromSeconds(2) }, console).RunAsync();

        Assert.True(exit == DemoRunner.Success, console.ToString());
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "summary.json")));
        var call = summary.RootElement.GetProperty("call");
        Assert.True(call.GetProperty("video").GetBoolean());
        Assert.True(call.GetProperty("video_frames_sent").GetInt64() > 0);
        var decoded = call.GetProperty("video_frames_decoded").GetInt64();
        Assert.True(decoded > 0);
        var ivf = await File.ReadAllBytesAsync(Path.Combine(Out, "received.ivf"));
        Assert.Equal("DKIF"u8.ToArray(), ivf[..4]);
        Assert.Equal("VP90"u8.ToArray(), ivf[8..12]);
        Assert.True(BitConverter.ToUInt32(ivf, 24) >= decoded, "the IVF holds at least every decoded frame");
        Assert.Contains("video sent", console.ToString());
    }

    [Fact]
    public async Task Run_TwiceWithSameData_ReusesIdentitiesAndStores()
    {
        var data = Path.Combine(_root, "data");
        var options = new DemoOptions { Transport = TestTransport.Require(), OutputDirectory = Out, DataDirectory = data, NoVideo = true, CallDuration = TimeSpan.FromSeconds(1) };
        var first = new StringWriter();
        var second = new StringWriter();

        Assert.Equal(DemoRunner.Success, await new DemoRunner(options, first).RunAsync());
        Assert.Equal(DemoRunner.Success, await new DemoRunner(options, second).RunAsync());

        Assert.Equal(AliceLine(first.ToString()), AliceLine(second.ToString()));
    }

    [Fact]
    public async Task Run_WithoutData_RemovesItsTemporaryStores()
    {
        var before = TempDemoFolders();
        var console = new StringWriter();

        Assert.Equal(DemoRunner.Success, await new DemoRunner(new DemoOptions { Transport = TestTransport.Require(), OutputDirectory = Out, NoVideo = true, CallDuration = TimeSpan.FromSeconds(1) }, console).RunAsync());

        Assert.Empty(TempDemoFolders().Except(before));
    }

    [Fact]
    public async Task Run_MissingAudioFile_FailsWithClearMessage()
    {
        var console = new StringWriter();

        var exit = await new DemoRunner(new DemoOptions { Transport = TestTransport.Require(), OutputDirectory = Out, NoVideo = true, AudioInput = Path.Combine(_root, "nope.wav") }, console).RunAsync();

        Assert.Equal(DemoRunner.Failure, exit);
        Assert.Contains("--audio-in file", console.ToString());
        Assert.False(File.Exists(Path.Combine(Out, "summary.json")));
    }

    // 48 kHz mono 16-bit PCM, one 20 ms frame (960 samples) per played frame.
    private static void AssertWav(string path, long playedFrames)
    {
        var wav = File.ReadAllBytes(path);
        Assert.Equal("RIFF"u8.ToArray(), wav[..4]);
        Assert.Equal("WAVE"u8.ToArray(), wav[8..12]);
        Assert.Equal(1, BitConverter.ToInt16(wav, 20));
        Assert.Equal(1, BitConverter.ToInt16(wav, 22));
        Assert.Equal(48000, BitConverter.ToInt32(wav, 24));
        Assert.Equal(16, BitConverter.ToInt16(wav, 34));
        var dataBytes = BitConverter.ToInt32(wav, 40);
        Assert.Equal(playedFrames * 960 * 2, dataBytes);
        Assert.Equal(44 + dataBytes, wav.Length);
    }

    private static string AliceLine(string output) => output.Split('\n').First(l => l.TrimStart().StartsWith("Alice ", StringComparison.Ordinal)).Split("ticket")[0];

    private static HashSet<string> TempDemoFolders() =>
        [.. Directory.GetDirectories(Path.GetTempPath(), "irohsocial-demo-*").Where(d => !d.Contains("-demo-test-", StringComparison.Ordinal))];

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
