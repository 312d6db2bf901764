using System.Buffers.Binary;

namespace IrohSocial.Web.Tests;

/// <summary>
/// The fake microphone's sound, written as a WAV for Chromium's <c>--use-file-for-fake-audio-capture</c> (which loops
/// it): 100 ms tones at pseudo-random pitches (300-1500 Hz), so any 1 s of it lines up with the source at one offset
/// only, and received audio can be checked by correlation.
/// </summary>
public sealed class FakeMicrophone
{
    public const int SampleRate = 48000;

    private FakeMicrophone(string path, short[] samples)
    {
        Path = path;
        Samples = samples;
    }

    public string Path { get; }

    /// <summary>One period of the looped sound.</summary>
    public short[] Samples { get; }

    public static FakeMicrophone Create()
    {
        const int toneSamples = SampleRate / 10;
        var random = new Random(20);
        var samples = new short[SampleRate * 4];
        for (var tone = 0; tone < samples.Length / toneSamples; tone++)
        {
            var frequency = 300 + random.Next(1200);
            for (var i = 0; i < toneSamples; i++)
            {
                // A short fade at both ends keeps the tone changes click-free (and codec-friendly).
                var fade = Math.Min(1.0, Math.Min(i, toneSamples - i) / 240.0);
                samples[(tone * toneSamples) + i] = (short)(12000 * fade * Math.Sin(2 * Math.PI * frequency * i / SampleRate));
            }
        }

        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"irohsocial-fake-mic-{Guid.NewGuid():N}.wav");
        File.WriteAllBytes(path, Wav(samples));
        return new FakeMicrophone(path, samples);
    }

    private static byte[] Wav(short[] samples)
    {
        var bytes = new byte[44 + (samples.Length * 2)];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], bytes.Length - 8);
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], SampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], samples.Length * 2);
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + (2 * i))..], samples[i]);
        }

        return bytes;
    }

    /// <summary>
    /// The best normalized correlation of <paramref name="received"/> (48 kHz) with the looped sound at any offset,
    /// both reduced to 8 kHz first (the tones are below 1.5 kHz) to keep the search cheap.
    /// </summary>
    public double BestCorrelation(short[] received)
    {
        var source = Decimate(Samples);
        var heard = Decimate(received);
        var heardEnergy = heard.Sum(x => x * x);
        if (heardEnergy == 0)
        {
            return 0;
        }

        var best = 0.0;
        for (var lag = 0; lag < source.Length; lag++)
        {
            double dot = 0, energy = 0;
            for (var i = 0; i < heard.Length; i++)
            {
                var s = source[(lag + i) % source.Length];
                dot += s * heard[i];
                energy += s * s;
            }

            best = Math.Max(best, dot / Math.Sqrt(energy * heardEnergy));
        }

        return best;
    }

    /// <summary>Root mean square of the samples, relative to full scale.</summary>
    public static double Rms(short[] samples) =>
        samples.Length == 0 ? 0 : Math.Sqrt(samples.Average(s => (double)s * s)) / short.MaxValue;

    private static double[] Decimate(short[] samples)
    {
        var result = new double[samples.Length / 6];
        for (var i = 0; i < result.Length; i++)
        {
            double sum = 0;
            for (var k = 0; k < 6; k++)
            {
                sum += samples[(6 * i) + k];
            }

            result[i] = sum / 6;
        }

        return result;
    }
}
