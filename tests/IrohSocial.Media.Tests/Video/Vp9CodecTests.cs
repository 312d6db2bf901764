using IrohSocial.Media.Video;

namespace IrohSocial.Media.Tests.Video;

public sealed class Vp9CodecTests
{
    public Vp9CodecTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    [Fact]
    public void EncodeDecode_MovingContent640x480At1000Kbps_MeanPsnrAtLeast30dB()
    {
        const int frames = 72;
        using var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = 640, Height = 480, TargetBitrateKbps = 1000 });
        using var decoder = new Vp9Decoder();
        var psnr = new List<double>();
        long bytes = 0;
        for (var i = 0; i < frames; i++)
        {
            using var source = TestPatternSource.Render(640, 480, i);
            var packets = encoder.Encode(source);
            var packet = Assert.Single(packets);
            bytes += packet.Data.Length;
            Assert.Equal((640, 480), (packet.Width, packet.Height));
            var result = decoder.Decode(packet.Data);
            Assert.Equal(VideoDecodeStatus.Decoded, result.Status);
            using var decoded = result.Frame!;
            psnr.Add(VideoQuality.Psnr(source, decoded));
        }

        var kbps = bytes * 8.0 / 1000 / (frames / 24.0);
        Assert.True(psnr.Average() >= 30, $"mean PSNR {psnr.Average():F2} dB at {kbps:F0} kbps");
        // CBR keeps the stream near its target (generous bounds: the first keyframe is large).
        Assert.InRange(kbps, 500, 1600);
    }

    [Fact]
    public void Encode_KeyframeInterval48_KeyframesAtMultiplesOf48AndWhenForced()
    {
        using var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = 160, Height = 120, TargetBitrateKbps = 200, KeyframeInterval = 48, CpuUsed = 9 });
        var keys = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            using var source = TestPatternSource.Render(160, 120, i);
            foreach (var packet in encoder.Encode(source, forceKeyframe: i == 30))
            {
                if (packet.IsKeyFrame)
                {
                    keys.Add(packet.FrameIndex);
                }
            }
        }

        Assert.Equal([0L, 30L, 78L], keys);
    }
}
