using IrohSocial.Media.Video;

namespace IrohSocial.Benchmarks.Calls;

/// <summary>
/// "Complex content" for the call harness: <see cref="TestPatternSource"/>'s moving pattern with fresh grain on every
/// frame (a cheap hash of position and frame index, so runs repeat), which no motion search can predict, as camera
/// noise in a dim room. It keeps VP9's rate control at its bitrate and the encoder working every frame.
/// </summary>
internal sealed class NoisyPatternSource(VideoFormat format) : IVideoSource
{
    private long _next;

    public VideoFormat Format { get; } = format;

    public ValueTask<I420Frame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<I420Frame?>(Render(Format, _next++));
    }

    public static I420Frame Render(VideoFormat format, long index)
    {
        var frame = TestPatternSource.Render(format.Width, format.Height, index);
        var y = frame.Y;
        uint state = (uint)(index * 2654435761L) | 1;
        for (int i = 0; i < y.Length; i++)
        {
            // xorshift32: fast, deterministic grain of +-24 levels.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            y[i] = (byte)Math.Clamp(y[i] + (int)(state % 49) - 24, 0, 255);
        }

        return frame;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
