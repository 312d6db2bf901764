using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Audio;

/// <summary>Digital silence, for headless tests and for a side that has no microphone.</summary>
public sealed class SilenceSource : IAudioSource
{
    private readonly long _totalFrames;
    private long _produced;

    /// <summary>Creates a silence source.</summary>
    /// <param name="duration">How long it lasts (rounded up to whole frames); null for endless.</param>
    public SilenceSource(TimeSpan? duration = null)
    {
        if (duration is { } d)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(d, TimeSpan.Zero, nameof(duration));
        }

        _totalFrames = duration is { } span
            ? (long)Math.Ceiling(span.TotalMilliseconds / AudioFormat.FrameDurationMilliseconds)
            : long.MaxValue;
    }

    /// <inheritdoc />
    public ValueTask<bool> ReadFrameAsync(Memory<short> frame, CancellationToken cancellationToken = default)
    {
        FrameCheck.ThrowIfNotFrame(frame.Length, nameof(frame));
        cancellationToken.ThrowIfCancellationRequested();
        if (_produced >= _totalFrames)
        {
            return ValueTask.FromResult(false);
        }

        frame.Span.Clear();
        _produced++;
        return ValueTask.FromResult(true);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
