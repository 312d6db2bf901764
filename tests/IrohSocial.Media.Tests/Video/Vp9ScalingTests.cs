using IrohSocial.Media.Video;

namespace IrohSocial.Media.Tests.Video;

public sealed class Vp9ScalingTests
{
    public Vp9ScalingTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    private static (EncodedVideoFrame Packet, I420Frame Decoded) EncodeDecode(Vp9Encoder encoder, Vp9Decoder decoder, int width, int height, int index)
    {
        using var source = TestPatternSource.Render(width, height, index);
        var packet = Assert.Single(encoder.Encode(source));
        var result = decoder.Decode(packet.Data);
        Assert.Equal(VideoDecodeStatus.Decoded, result.Status);
        return (packet, result.Frame!);
    }

    [Fact]
    public void Reconfigure_To320x240With640x480Source_LibvpxScalesDownWithoutReinit()
    {
        using var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = 640, Height = 480, TargetBitrateKbps = 800, CpuUsed = 9 });
        using var decoder = new Vp9Decoder();
        for (var i = 0; i < 5; i++)
        {
            var (packet, decoded) = EncodeDecode(encoder, decoder, 640, 480, i);
            using (decoded)
            {
                Assert.Equal((640, 480), (decoded.Width, decoded.Height));
            }
        }

        encoder.Reconfigure(320, 240, 250);
        for (var i = 5; i < 15; i++)
        {
            var (packet, decoded) = EncodeDecode(encoder, decoder, 640, 480, i);
            using (decoded)
            {
                Assert.Equal((320, 240), (packet.Width, packet.Height));
                Assert.Equal((320, 240), (decoded.Width, decoded.Height));
            }
        }

        encoder.Reconfigure(1280, 720, 2000);
        var (last, lastDecoded) = EncodeDecode(encoder, decoder, 640, 480, 15);
        lastDecoded.Dispose();
        Assert.Equal((640, 480), (last.Width, last.Height)); // never scaled up beyond the source
        Assert.Equal(1, encoder.InitializationCount);
        Assert.Equal(2000, encoder.TargetBitrateKbps);
    }

    [Theory]
    [InlineData(1280, 720, 640, 480, 640, 360)]
    [InlineData(800, 600, 640, 480, 640, 480)]
    [InlineData(641, 481, 640, 480, 513, 385)]
    [InlineData(1920, 1080, 320, 240, 960, 540)]
    [InlineData(320, 240, 1280, 720, 320, 240)]
    public void GetEncodedSize_PicksLargestLibvpxScaleThatFits(int sw, int sh, int tw, int th, int ew, int eh)
    {
        using var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = tw, Height = th });
        Assert.Equal((ew, eh), encoder.GetEncodedSize(sw, sh));
    }

    [Fact]
    public void Encode_SourceOf1280x720WithTarget640x480_EncodesAt640x360()
    {
        using var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = 640, Height = 480, CpuUsed = 9 });
        using var decoder = new Vp9Decoder();
        var (packet, decoded) = EncodeDecode(encoder, decoder, 1280, 720, 0);
        using (decoded)
        {
            Assert.Equal((640, 360), (decoded.Width, decoded.Height));
            Assert.True(packet.IsKeyFrame);
        }
    }

    [Fact]
    public void Encode_SourceSizeChangesAndOddSizes_ReinitialisesWithKeyframe()
    {
        using var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = 640, Height = 480, CpuUsed = 9 });
        using var decoder = new Vp9Decoder();
        var sizes = new[] { (176, 144), (176, 144), (175, 143), (175, 143), (320, 240) };
        var expectedKey = new[] { true, false, true, false, true };
        for (var i = 0; i < sizes.Length; i++)
        {
            var (w, h) = sizes[i];
            var (packet, decoded) = EncodeDecode(encoder, decoder, w, h, i);
            using (decoded)
            {
                Assert.Equal((w, h), (decoded.Width, decoded.Height));
                Assert.Equal(expectedKey[i], packet.IsKeyFrame);
                Assert.True(VideoQuality.Psnr(TestPatternSourceFrame(w, h, i), decoded) > 25);
            }
        }

        Assert.Equal(3, encoder.InitializationCount);
    }

    [Fact]
    public void SetBitrate_OnTheFly_ChangesOutputRateWithoutReinitOrKeyframe()
    {
        using var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = 640, Height = 480, TargetBitrateKbps = 1500, CpuUsed = 9 });
        long high = 0, low = 0;
        var keys = 0;
        for (var i = 0; i < 96; i++)
        {
            if (i == 48)
            {
                encoder.SetBitrate(120);
            }

            using var source = TestPatternSource.Render(640, 480, i);
            var packet = Assert.Single(encoder.Encode(source));
            keys += packet.IsKeyFrame ? 1 : 0;
            if (i is >= 24 and < 48)
            {
                high += packet.Data.Length;
            }
            else if (i >= 72)
            {
                low += packet.Data.Length;
            }
        }

        Assert.Equal(1, encoder.InitializationCount);
        Assert.Equal(2, keys); // frame 0 and the periodic keyframe at 48; the bitrate change forced none
        Assert.True(low * 2.5 < high, $"high {high} bytes vs low {low} bytes");
    }

    private static I420Frame TestPatternSourceFrame(int w, int h, int i) => TestPatternSource.Render(w, h, i);
}
