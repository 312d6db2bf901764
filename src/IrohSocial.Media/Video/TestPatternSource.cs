namespace IrohSocial.Media.Video;

/// <summary>
/// A synthetic source of moving content: a drifting luma wave pattern, slowly rotating chroma and a bright box that
/// bounces around the picture. Frame <c>n</c> is always the same picture, so tests and benchmarks are repeatable.
/// </summary>
public sealed class TestPatternSource : IVideoSource
{
    private readonly long? _frameCount;
    private long _next;

    /// <summary>Creates the generator.</summary>
    /// <param name="format">Picture size and nominal frame rate.</param>
    /// <param name="frameCount">Frames to produce before reporting the end; null for an endless source.</param>
    public TestPatternSource(VideoFormat format, long? frameCount = null)
    {
        format.Validate();
        if (frameCount is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(frameCount));
        }

        Format = format;
        _frameCount = frameCount;
    }

    /// <inheritdoc />
    public VideoFormat Format { get; }

    /// <inheritdoc />
    public ValueTask<I420Frame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_next >= _frameCount)
        {
            return ValueTask.FromResult<I420Frame?>(null);
        }

        return ValueTask.FromResult<I420Frame?>(Render(Format.Width, Format.Height, _next++));
    }

    /// <summary>Renders frame <paramref name="index"/> of the pattern at the given size.</summary>
    public static I420Frame Render(int width, int height, long index)
    {
        var frame = new I420Frame(width, height);
        var t = (double)index;

        // The pattern is separable (row factor x column factor), so one sine per row and per column suffices.
        var columns = new double[width];
        for (var x = 0; x < width; x++)
        {
            columns[x] = Math.Sin((x + (4 * t)) / 23.0);
        }

        var y = frame.Y;
        for (var row = 0; row < height; row++)
        {
            var rowFactor = Math.Cos((row - (2 * t)) / 31.0);
            var line = y.Slice(row * width, width);
            for (var x = 0; x < width; x++)
            {
                line[x] = (byte)(128 + (60 * columns[x] * rowFactor));
            }
        }

        // A bright box that bounces, so motion is not just a global pan.
        var box = Math.Max(4, Math.Min(width, height) / 6);
        var bx = Bounce((long)(index * 5), width - box);
        var by = Bounce((long)(index * 3), height - box);
        for (var row = by; row < by + box; row++)
        {
            y.Slice((row * width) + bx, box).Fill(235);
        }

        var u = frame.U;
        var v = frame.V;
        for (var row = 0; row < frame.ChromaHeight; row++)
        {
            var vRow = (byte)(128 + (40 * Math.Cos((row - t) / 35.0)));
            for (var x = 0; x < frame.ChromaWidth; x++)
            {
                u[(row * frame.ChromaWidth) + x] = (byte)(128 + (40 * Math.Sin(((x / 2.0) + t) / 40.0)));
            }

            v.Slice(row * frame.ChromaWidth, frame.ChromaWidth).Fill(vRow);
        }

        return frame;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static int Bounce(long position, int span)
    {
        if (span <= 0)
        {
            return 0;
        }

        var period = 2L * span;
        var p = position % period;
        return (int)(p <= span ? p : period - p);
    }
}
