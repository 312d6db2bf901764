using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Audio;

/// <summary>
/// A synthetic talker, for benchmarks and demos where no recording is at hand: syllables made of an unvoiced
/// consonant (filtered noise) and a voiced vowel (a glottal pulse train with a gliding pitch through three formant
/// resonators), separated by short gaps and longer pauses. Unlike a tone, it makes Opus switch between voiced,
/// unvoiced and silent frames (DTX) as speech does. The same seed always produces the same samples.
/// </summary>
public sealed class SpeechLikeSource : IAudioSource
{
    // Formants (F1, F2, F3 in Hz) of five vowels (Peterson & Barney averages).
    private static readonly (double F1, double F2, double F3)[] Vowels =
    [
        (730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410),
    ];

    private readonly Random _random;
    private readonly double _level;
    private readonly long _totalSamples;
    private readonly Resonator[] _formants = [new(), new(), new()];
    private readonly Resonator _fricative = new();
    private long _produced;
    private Segment _segment;
    private int _segmentPosition;
    private double _glottalPhase;

    /// <summary>Creates a talker.</summary>
    /// <param name="seed">Picks the syllables, pitches and pauses.</param>
    /// <param name="level">Peak level, 0 to 1 of full scale.</param>
    /// <param name="duration">How long the talker talks; null for endless.</param>
    public SpeechLikeSource(int seed = 1, double level = 0.5, TimeSpan? duration = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 1);
        _random = new Random(seed);
        _level = level * short.MaxValue;
        _totalSamples = duration is { } d ? (long)Math.Round(d.TotalSeconds * AudioFormat.SampleRate) : long.MaxValue;
        _segment = new Segment(SegmentKind.Pause, AudioFormat.SampleRate / 10, 0, 0); // 100 ms of silence first
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
            pcm[i] = _produced + i < _totalSamples ? (short)Math.Round(Math.Clamp(NextSample(), -1, 1) * _level) : (short)0;
        }

        _produced += pcm.Length;
        return ValueTask.FromResult(true);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private double NextSample()
    {
        if (_segmentPosition >= _segment.Length)
        {
            _segment = NextSegment(_segment.Kind);
            _segmentPosition = 0;
        }

        double t = (double)_segmentPosition++ / _segment.Length;
        // 10 ms ramps at both ends so segments start and stop without clicks.
        double ramp = Math.Min(1, Math.Min(_segmentPosition, _segment.Length - _segmentPosition) / (AudioFormat.SampleRate * 0.01));
        switch (_segment.Kind)
        {
            case SegmentKind.Voiced:
            {
                // Pitch glides from its start to its end value across the vowel (intonation).
                double f0 = _segment.PitchStart + ((_segment.PitchEnd - _segment.PitchStart) * t);
                _glottalPhase += f0 / AudioFormat.SampleRate;
                double excitation = 0;
                if (_glottalPhase >= 1)
                {
                    _glottalPhase -= 1;
                    excitation = 1; // one glottal pulse per pitch period
                }

                excitation += 0.02 * ((_random.NextDouble() * 2) - 1); // breathiness
                double voiced = _formants[0].Next(excitation) + (0.6 * _formants[1].Next(excitation)) + (0.3 * _formants[2].Next(excitation));
                return 1.6 * ramp * voiced;
            }

            case SegmentKind.Unvoiced:
                return 0.5 * ramp * _fricative.Next((_random.NextDouble() * 2) - 1);
            default:
                return 0;
        }
    }

    private Segment NextSegment(SegmentKind previous)
    {
        int rate = AudioFormat.SampleRate;
        switch (previous)
        {
            case SegmentKind.Pause or SegmentKind.Gap when _random.NextDouble() < 0.5:
                _fricative.Tune(2500 + (_random.NextDouble() * 3500), 1500, rate);
                return new Segment(SegmentKind.Unvoiced, (int)(rate * (0.04 + (_random.NextDouble() * 0.08))), 0, 0);
            case SegmentKind.Pause or SegmentKind.Gap or SegmentKind.Unvoiced:
            {
                var (f1, f2, f3) = Vowels[_random.Next(Vowels.Length)];
                _formants[0].Tune(f1, 80, rate);
                _formants[1].Tune(f2, 100, rate);
                _formants[2].Tune(f3, 120, rate);
                double pitch = 95 + (_random.NextDouble() * 140);
                return new Segment(SegmentKind.Voiced, (int)(rate * (0.1 + (_random.NextDouble() * 0.2))), pitch, pitch * (0.8 + (_random.NextDouble() * 0.35)));
            }

            default:
                // After a vowel: usually the next syllable follows closely, sometimes the talker pauses.
                return _random.NextDouble() < 0.25
                    ? new Segment(SegmentKind.Pause, (int)(rate * (0.2 + (_random.NextDouble() * 0.4))), 0, 0)
                    : new Segment(SegmentKind.Gap, (int)(rate * (0.02 + (_random.NextDouble() * 0.04))), 0, 0);
        }
    }

    private enum SegmentKind
    {
        Pause,
        Gap,
        Unvoiced,
        Voiced,
    }

    private readonly record struct Segment(SegmentKind Kind, int Length, double PitchStart, double PitchEnd);

    /// <summary>A two-pole resonator (one formant): y[n] = g·x[n] + b1·y[n-1] + b2·y[n-2].</summary>
    private sealed class Resonator
    {
        private double _gain, _b1, _b2, _y1, _y2;

        public void Tune(double frequencyHz, double bandwidthHz, int sampleRate)
        {
            double r = Math.Exp(-Math.PI * bandwidthHz / sampleRate);
            _b1 = 2 * r * Math.Cos(2 * Math.PI * frequencyHz / sampleRate);
            _b2 = -r * r;
            _gain = 1 - r;
        }

        public double Next(double x)
        {
            double y = (_gain * x) + (_b1 * _y1) + (_b2 * _y2);
            _y2 = _y1;
            _y1 = y;
            return y;
        }
    }
}
