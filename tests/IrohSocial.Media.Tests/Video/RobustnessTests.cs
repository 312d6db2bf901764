using CsCheck;
using IrohSocial.Media.Video;

namespace IrohSocial.Media.Tests.Video;

/// <summary>Bad input gets a typed result or error, never a crash.</summary>
public sealed class RobustnessTests
{
    private static readonly Lazy<List<byte[]>> ValidFrames = new(() =>
    {
        using var encoder = new Vp9Encoder(new Vp9EncoderOptions { Width = 96, Height = 64, TargetBitrateKbps = 150, CpuUsed = 9 });
        var frames = new List<byte[]>();
        for (var i = 0; i < 6; i++)
        {
            using var picture = TestPatternSource.Render(96, 64, i);
            frames.AddRange(encoder.Encode(picture).Select(p => p.Data));
        }

        return frames;
    });

    [Fact]
    public void Decode_RandomBytes_ReturnsAStatusAndNeverThrows()
    {
        IrohSocial.Tests.Shared.NativeRequirements.Libvpx();
        using var decoder = new Vp9Decoder();
        Gen.Byte.Array[1, 300].Sample(bytes =>
        {
            var result = decoder.Decode(bytes);
            result.Frame?.Dispose();
            return Enum.IsDefined(result.Status) && (result.Status == VideoDecodeStatus.Decoded) == (result.Frame is not null);
        }, iter: 300);
    }

    [Fact]
    public void Decode_MutatedRealFrames_ReturnsAStatusAndNeverThrows()
    {
        IrohSocial.Tests.Shared.NativeRequirements.Libvpx();
        var frames = ValidFrames.Value;
        Gen.Select(Gen.Int[0, frames.Count - 1], Gen.Int[0, 1 << 20].Array[1, 8], Gen.Byte, Gen.Int[0, 2])
            .Sample((index, positions, value, truncate) =>
            {
                // Decode a valid keyframe first so inter frames reach the deeper decoding paths, then the damaged one.
                using var decoder = new Vp9Decoder();
                decoder.Decode(frames[0]).Frame?.Dispose();
                var damaged = (byte[])frames[index].Clone();
                foreach (var p in positions)
                {
                    damaged[p % damaged.Length] ^= (byte)(value | 1);
                }

                if (truncate > 0)
                {
                    damaged = damaged[..Math.Max(1, damaged.Length / (truncate + 1))];
                }

                var result = decoder.Decode(damaged);
                using var frame = result.Frame;
                return result.Status == VideoDecodeStatus.Decoded
                    ? frame is { Width: > 0 and <= I420Frame.MaxDimension, Height: > 0 and <= I420Frame.MaxDimension }
                    : frame is null && (result.Status != VideoDecodeStatus.Corrupt || result.ErrorDetail is not null);
            }, iter: 200);
    }

    [Fact]
    public void Y4mHeader_ArbitraryText_OnlyEverThrowsMediaException()
    {
        var token = Gen.OneOf(
            Gen.Const("YUV4MPEG2"), Gen.Const("W64"), Gen.Const("H48"), Gen.Const("F30:1"), Gen.Const("C420jpeg"),
            Gen.Const("C444"), Gen.Const("Ip"), Gen.Const("It"), Gen.Const("W"), Gen.Const("F1"), Gen.Const("W99999999999"),
            Gen.String[Gen.Char.AlphaNumeric, 0, 6]);
        token.Array[0, 8].Select(t => string.Join(' ', t)).Sample(header =>
        {
            try
            {
                var format = Y4mFileSource.ParseHeader(header);
                return format.Width > 0 && format.Height > 0 && header.StartsWith("YUV4MPEG2", StringComparison.Ordinal);
            }
            catch (MediaException)
            {
                return true;
            }
        });
    }

    [Theory]
    [InlineData(0, 480)]
    [InlineData(640, -1)]
    [InlineData(9000, 480)]
    public void I420Frame_BadSize_Throws(int width, int height) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new I420Frame(width, height));

    [Fact]
    public void I420Frame_OddSize_PlanesAreRoundedUpAndDisposeReleases()
    {
        var frame = new I420Frame(5, 3);
        Assert.Equal((3, 2, 15 + 6 + 6), (frame.ChromaWidth, frame.ChromaHeight, frame.Length));
        Assert.Equal((15, 6, 6), (frame.Y.Length, frame.U.Length, frame.V.Length));
        frame.Y.Fill(1);
        frame.U.Fill(2);
        frame.V.Fill(3);
        using var clone = frame.Clone();
        Assert.Equal(frame.Data.ToArray(), clone.Data.ToArray());
        frame.Dispose();
        Assert.Throws<ObjectDisposedException>(() => frame.Y.Length);
        frame.Dispose(); // idempotent
    }

    public static TheoryData<Vp9EncoderOptions> BadEncoderOptions => new()
    {
        new Vp9EncoderOptions { Width = 8 },
        new Vp9EncoderOptions { FramesPerSecond = 0 },
        new Vp9EncoderOptions { TargetBitrateKbps = 1 },
        new Vp9EncoderOptions { Threads = 0 },
        new Vp9EncoderOptions { KeyframeInterval = 0 },
        new Vp9EncoderOptions { CpuUsed = 2 },
    };

    [Theory]
    [MemberData(nameof(BadEncoderOptions))]
    public void Vp9Encoder_BadOptions_ThrowOnCreation(Vp9EncoderOptions options) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Vp9Encoder(options));

    [Fact]
    public void Vp9Encoder_UseAfterDispose_Throws()
    {
        IrohSocial.Tests.Shared.NativeRequirements.Libvpx();
        var encoder = new Vp9Encoder();
        encoder.Dispose();
        using var frame = new I420Frame(16, 16);
        Assert.Throws<ObjectDisposedException>(() => encoder.Encode(frame));
        var decoder = new Vp9Decoder();
        decoder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => decoder.Decode(new byte[] { 1 }));
    }
}
