using IrohSocial.Media.Audio;

namespace IrohSocial.Media.Tests.Audio;

public sealed class SpeechLikeSourceTests
{
    [Fact]
    public async Task ReadFrameAsync_TenSeconds_HasPausesVoicedAndUnvoicedFrames()
    {
        await using var source = new SpeechLikeSource(seed: 3, level: 0.5, duration: TimeSpan.FromSeconds(10));
        var frame = new short[AudioFormat.SamplesPerFrame];
        int silent = 0, voiced = 0, unvoiced = 0, frames = 0, peak = 0;
        while (await source.ReadFrameAsync(frame, TestContext.Current.CancellationToken))
        {
            frames++;
            double rms = Math.Sqrt(frame.Average(s => (double)s * s));
            // Zero crossings tell a vowel (low pitch, formants below 3 kHz) from a fricative (noise around 2.5-6 kHz).
            int crossings = Enumerable.Range(1, frame.Length - 1).Count(i => (frame[i - 1] < 0) != (frame[i] < 0));
            peak = Math.Max(peak, frame.Max(s => Math.Abs((int)s)));
            if (rms < 30)
            {
                silent++;
            }
            else if (crossings > 120)
            {
                unvoiced++;
            }
            else
            {
                voiced++;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"silent {silent} voiced {voiced} unvoiced {unvoiced} peak {peak}");
        Assert.Equal(500, frames);
        Assert.InRange(silent, 50, 300);
        Assert.InRange(voiced, 100, 400);
        Assert.InRange(unvoiced, 10, 200);
        Assert.InRange(peak, 3000, (int)(0.5 * short.MaxValue) + 1);
    }

    [Fact]
    public async Task ReadFrameAsync_SameSeed_SameSamples()
    {
        await using var a = new SpeechLikeSource(seed: 9);
        await using var b = new SpeechLikeSource(seed: 9);
        var x = new short[AudioFormat.SamplesPerFrame];
        var y = new short[AudioFormat.SamplesPerFrame];
        for (int i = 0; i < 100; i++)
        {
            Assert.True(await a.ReadFrameAsync(x, TestContext.Current.CancellationToken));
            Assert.True(await b.ReadFrameAsync(y, TestContext.Current.CancellationToken));
            Assert.Equal(x, y);
        }
    }
}
