using IrohSocial.Media.Video;

namespace IrohSocial.Media.Tests.Video;

/// <summary>The SDK's encoder is libvpx configured exactly like the reference tool: same settings, same bytes.</summary>
public sealed class VpxencParityTests
{
    public VpxencParityTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    [Fact]
    public async Task Vp9Encoder_SameSettingsAsVpxenc_WritesByteIdenticalIvf()
    {
        const int width = 320, height = 240, frames = 30;
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var y4m = dir.File("in.y4m");
        var ours = dir.File("ours.ivf");
        var theirs = dir.File("vpxenc.ivf");

        await using (var sink = await Y4mFileSink.CreateAsync(y4m, new VideoFormat(width, height, 24), ct))
        await using (var writer = IvfWriter.Create(ours, width, height, timebaseDenominator: 24))
        using (var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = width, Height = height, TargetBitrateKbps = 300, CpuUsed = 8, KeyframeInterval = 12 }))
        {
            for (var i = 0; i < frames; i++)
            {
                using var frame = TestPatternSource.Render(width, height, i);
                await sink.WriteFrameAsync(frame, ct);
                foreach (var packet in encoder.Encode(frame))
                {
                    await writer.WriteFrameAsync(packet.Data, packet.FrameIndex, ct);
                }
            }
        }

        ExternalTool.Run(
            "vpxenc",
            "--codec=vp9", "--rt", "--cpu-used=8", "--threads=1", "--end-usage=cbr", "--target-bitrate=300",
            "--lag-in-frames=0", "--kf-min-dist=0", "--kf-max-dist=12", "--min-q=2", "--max-q=52", "--undershoot-pct=50",
            "--overshoot-pct=50", "--buf-sz=1000", "--buf-initial-sz=500", "--buf-optimal-sz=600", "--drop-frame=0",
            "--resize-allowed=0", "--aq-mode=3", "--static-thresh=1", "--tune-content=default", "--quiet", "--ivf",
            "-o", theirs, y4m);

        var a = await File.ReadAllBytesAsync(ours, ct);
        var b = await File.ReadAllBytesAsync(theirs, ct);
        Assert.True(a.Length > 32 + (frames * 12));
        Assert.True(a.AsSpan().SequenceEqual(b), $"ours {a.Length} bytes, vpxenc {b.Length} bytes");
    }
}
