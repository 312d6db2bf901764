using System.Buffers.Binary;
using System.Numerics;

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
    /// The best normalized correlation of each 0.25 s piece of <paramref name="received"/> (48 kHz) with the looped
    /// sound at any offset. Pieces are matched on their own because a glitch (a dropped or concealed frame) shifts
    /// everything after it. Both signals are reduced to 4 kHz first (the tones are below 1.5 kHz) to keep it cheap.
    /// </summary>
    public double[] PieceCorrelations(short[] received)
    {
        var source = Decimate(Samples);
        var looped = new float[source.Length * 2];
        source.CopyTo(looped, 0);
        source.CopyTo(looped, source.Length);
        var heard = Decimate(received);
        const int piece = 1000;
        return [.. Enumerable.Range(0, heard.Length / piece).Select(i => BestCorrelation(looped, source.Length, heard.AsSpan(i * piece, piece)))];
    }

    private static double BestCorrelation(float[] looped, int period, ReadOnlySpan<float> heard)
    {
        var heardEnergy = Dot(heard, heard);
        if (heardEnergy == 0)
        {
            return 0;
        }

        // Energy of the source window at each lag, slid along instead of recomputed.
        double energy = Dot(looped.AsSpan(0, heard.Length), looped.AsSpan(0, heard.Length));
        var best = 0.0;
        for (var lag = 0; lag < period; lag++)
        {
            var window = looped.AsSpan(lag, heard.Length);
            best = Math.Max(best, Dot(window, heard) / Math.Sqrt(Math.Max(energy, 1e-9) * heardEnergy));
            energy += (looped[lag + heard.Length] * (double)looped[lag + heard.Length]) - (looped[lag] * (double)looped[lag]);
        }

        return best;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            sum += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        }

        double total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    /// <summary>Root mean square of the samples, relative to full scale.</summary>
    public static double Rms(short[] samples) =>
        samples.Length == 0 ? 0 : Math.Sqrt(samples.Average(s => (double)s * s)) / short.MaxValue;

    private static float[] Decimate(short[] samples)
    {
        const int factor = 12;
        var result = new float[samples.Length / factor];
        for (var i = 0; i < result.Length; i++)
        {
            var sum = 0;
            for (var k = 0; k < factor; k++)
            {
                sum += samples[(factor * i) + k];
            }

            result[i] = sum / (float)factor;
        }

        return result;
    }
}
