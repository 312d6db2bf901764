using IrohSocial.Media.Audio;

namespace IrohSocial.IntegrationTests.Calls.Support;

/// <summary>Deterministic "speech-like" test audio: harmonic tone sweeps (syllables) with pauses between them.</summary>
internal static class SpeechLikeSignal
{
    public static short[] Generate(TimeSpan duration, int sampleRate = AudioFormat.SampleRate, int seed = 5)
    {
        var random = new Random(seed);
        var samples = new short[(int)Math.Round(duration.TotalSeconds * sampleRate)];
        int position = sampleRate / 10; // start with 100 ms of silence
        while (position < samples.Length)
        {
            int syllable = (int)(sampleRate * (0.15 + (random.NextDouble() * 0.25)));
            double f0 = 120 + (random.NextDouble() * 180);
            double f1 = f0 * (0.6 + (random.NextDouble() * 0.9));
            double phase = 0;
            for (int i = 0; i < syllable && position + i < samples.Length; i++)
            {
                double t = (double)i / syllable;
                double frequency = f0 + ((f1 - f0) * t);
                phase += 2 * Math.PI * frequency / sampleRate;
                double envelope = Math.Sin(Math.PI * t); // smooth attack and release
                double value = (0.5 * Math.Sin(phase)) + (0.3 * Math.Sin(2 * phase)) + (0.15 * Math.Sin(3 * phase));
                samples[position + i] = (short)(envelope * value * 0.35 * short.MaxValue);
            }

            position += syllable + (int)(sampleRate * (0.08 + (random.NextDouble() * 0.22)));
        }

        return samples;
    }
}
