using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Audio;

/// <summary>Plays 48 kHz mono samples held in memory, frame by frame; the last partial frame is padded with silence.</summary>
public sealed class MemoryAudioSource : IAudioSource
{
    private readonly ReadOnlyMemory<short> _samples;
    private int _position;

    /// <summary>Creates a source over samples (not copied; do not change them while playing).</summary>
    /// <param name="samples">48 kHz mono PCM.</param>
    public MemoryAudioSource(ReadOnlyMemory<short> samples)
    {
        _samples = samples;
    }

    /// <inheritdoc />
    public ValueTask<bool> ReadFrameAsync(Memory<short> frame, CancellationToken cancellationToken = default)
    {
        FrameCheck.ThrowIfNotFrame(frame.Length, nameof(frame));
        cancellationToken.ThrowIfCancellationRequested();
        if (_position >= _samples.Length)
        {
            return ValueTask.FromResult(false);
        }

        int count = Math.Min(frame.Length, _samples.Length - _position);
        _samples.Span.Slice(_position, count).CopyTo(frame.Span);
        frame.Span[count..].Clear();
        _position += count;
        return ValueTask.FromResult(true);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
