using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Audio;

/// <summary>Collects received frames in memory (thread-safe), for tests and for apps that render audio themselves.</summary>
public sealed class MemoryAudioSink : IAudioSink
{
    private readonly List<short> _samples = [];
    private readonly Lock _lock = new();
    private int _frames;

    /// <summary>Frames written so far.</summary>
    public int FrameCount
    {
        get
        {
            lock (_lock)
            {
                return _frames;
            }
        }
    }

    /// <summary>Duration of the audio written so far.</summary>
    public TimeSpan Duration => TimeSpan.FromMilliseconds(FrameCount * (double)AudioFormat.FrameDurationMilliseconds);

    /// <summary>Copies everything written so far.</summary>
    /// <returns>48 kHz mono samples.</returns>
    public short[] ToArray()
    {
        lock (_lock)
        {
            return [.. _samples];
        }
    }

    /// <inheritdoc />
    public ValueTask WriteFrameAsync(ReadOnlyMemory<short> frame, CancellationToken cancellationToken = default)
    {
        FrameCheck.ThrowIfNotFrame(frame.Length, nameof(frame));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _samples.AddRange(frame.Span);
            _frames++;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
