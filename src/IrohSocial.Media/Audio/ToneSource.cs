using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Audio;

/// <summary>A synthetic sine tone, for headless tests and demos.</summary>
public sealed class ToneSource : IAudioSource
{
    private readonly double _phaseStep;
    private readonly double _amplitude;
    private readonly long _totalSamples;
    private double _phase;
    private long _produced;

    /// <summary>Creates a tone.</summary>
    /// <param name="frequencyHz">Tone frequency, 1 Hz to 24 kHz.</param>
    /// <param name="amplitude">Peak level, 0 to 1 of full scale.</param>
    /// <param name="duration">How long the tone lasts; null for endless.</param>
    public ToneSource(double frequencyHz = 440, double amplitude = 0.3, TimeSpan? duration = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencyHz, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frequencyHz, AudioFormat.SampleRate / 2.0);
        ArgumentOutOfRangeException.ThrowIfNegative(amplitude);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(amplitude, 1);
        _phaseStep = 2 * Math.PI * frequencyHz / AudioFormat.SampleRate;
        _amplitude = amplitude * short.MaxValue;
        _totalSamples = duration is { } d ? (long)Math.Round(d.TotalSeconds * AudioFormat.SampleRate) : long.MaxValue;
    }

    /// <inheritdoc />
    public ValueTask<bool> ReadFrameAsync(Memory<short> frame, CancellationToken cancellationToken = default)
    {
        FrameCheck.ThrowIfNotFrame(frame.Length, nameof(frame));
        cancellationToken.ThrowIfCancellationRequested();
        if (_produced >= _totalSamples)
        {
            return ValueTask.FromResult(false);
        }

        Span<short> pcm = frame.Span;
        for (int i = 0; i < pcm.Length; i++)
        {
            pcm[i] = _produced + i < _totalSamples ? (short)Math.Round(_amplitude * Math.Sin(_phase)) : (short)0;
            _phase += _phaseStep;
        }

        _phase %= 2 * Math.PI;
        _produced += pcm.Length;
        return ValueTask.FromResult(true);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
