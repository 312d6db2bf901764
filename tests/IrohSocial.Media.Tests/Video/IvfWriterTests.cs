using IrohSocial.Media.Video;
using IrohSocial.Media.Video.Internal;

namespace IrohSocial.Media.Tests.Video;

public sealed class IvfWriterTests
{
    [Fact]
    public async Task IvfFromSdk_DecodedByReferenceVpxdec_SameFrameCountAndSamePixels()
    {
        IrohSocial.Tests.Shared.NativeRequirements.Libvpx();
        const int frames = 30;
        using var dir = new TempDirectory();
        var ivf = dir.File("stream.ivf");
        var ourFrames = new List<I420Frame>();
        try
        {
            using (var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = 320, Height = 240, TargetBitrateKbps = 400, CpuUsed = 9 }))
            using (var decoder = new Vp9Decoder())
            {
                await using var writer = IvfWriter.Create(ivf, 320, 240, timebaseDenominator: 1_000_000);
                for (var i = 0; i < frames; i++)
                {
                    using var source = TestPatternSource.Render(320, 240, i);
                    foreach (var packet in encoder.Encode(source, forceKeyframe: i == 10))
                    {
                        await writer.WriteFrameAsync(packet.Data, packet.FrameIndex * 1_000_000 / 24, TestContext.Current.CancellationToken);
                        ourFrames.Add(decoder.Decode(packet.Data).Frame!);
                    }
                }

                Assert.Equal(frames, writer.FrameCount);
            }

            var header = File.ReadAllBytes(ivf).AsSpan(0, 32).ToArray();
            Assert.Equal("444b4946" + "0000" + "2000" + "56503930" + "4001" + "f000" + "40420f00" + "01000000" + "1e000000", Convert.ToHexStringLower(header.AsSpan(0, 28)));

            var y4m = dir.File("vpxdec.y4m");
            var (_, stderr) = ExternalTool.Run("vpxdec", "--summary", "-o", y4m, ivf);
            Assert.Contains($"{frames} decoded frames", stderr);

            await using var reference = await Y4mFileSource.OpenAsync(y4m, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal((320, 240), (reference.Format.Width, reference.Format.Height));
            var count = 0;
            while (await reference.ReadFrameAsync(TestContext.Current.CancellationToken) is { } frame)
            {
                using (frame)
                {
                    Assert.True(frame.Data.Span.SequenceEqual(ourFrames[count].Data.Span), $"frame {count} differs from vpxdec");
                }

                count++;
            }

            Assert.Equal(frames, count);
        }
        finally
        {
            ourFrames.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task IvfReader_ReadsBackWhatWriterWrote()
    {
        using var stream = new MemoryStream();
        await using (var writer = new IvfWriter(stream, 64, 48, timebaseDenominator: 30, leaveOpen: true))
        {
            await writer.WriteFrameAsync(new byte[] { 1, 2, 3 }, 0, TestContext.Current.CancellationToken);
            await writer.WriteFrameAsync(new byte[] { 4 }, 5, TestContext.Current.CancellationToken);
        }

        stream.Position = 0;
        var reader = IvfReader.Open(stream);
        Assert.Equal(("VP90", 64, 48, 30, 1, 2), (reader.FourCc, reader.Width, reader.Height, reader.Rate, reader.Scale, reader.FrameCount));
        var first = reader.ReadFrame()!.Value;
        var second = reader.ReadFrame()!.Value;
        Assert.Equal(new byte[] { 1, 2, 3 }, first.Data);
        Assert.Equal(new byte[] { 4 }, second.Data);
        Assert.Equal(5L, second.Timestamp);
        Assert.Null(reader.ReadFrame());
    }
}
