using IrohSocial.Media.Audio;
using IrohSocial.Media.Audio.Internal;
using IrohSocial.Media.Tests.Support;

namespace IrohSocial.Media.Tests.Audio;

public sealed class AudioDeviceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WavFileSource_48kMono_DeliversSamplesUnchanged()
    {
        short[] input = SpeechLikeSignal.Generate(TimeSpan.FromMilliseconds(1010));
        using var file = new MemoryStream();
        WavHeader.Write(file, input, AudioFormat.SampleRate, 1);
        file.Position = 0;

        await using WavFileSource source = await WavFileSource.OpenAsync(file, leaveOpen: false, Ct);
        short[] output = await ReadAllAsync(source);

        Assert.Equal(TimeSpan.FromMilliseconds(1010), source.Duration);
        Assert.Equal(51 * AudioFormat.SamplesPerFrame, output.Length); // 50.5 frames, last one padded
        Assert.Equal(input, output[..input.Length]);
        Assert.All(output[input.Length..], s => Assert.Equal(0, s));
    }

    [Theory]
    [InlineData(44_100, 2)]
    [InlineData(16_000, 1)]
    [InlineData(8_000, 3)]
    public async Task WavFileSource_OtherRateAndChannels_ConvertsTo48kMono(int rate, int channels)
    {
        // Same tone on every channel at the file's rate; the source must deliver that tone at 48 kHz mono.
        const double frequency = 500;
        int frames = rate; // one second
        var interleaved = new short[frames * channels];
        for (int i = 0; i < frames; i++)
        {
            for (int c = 0; c < channels; c++)
            {
                interleaved[(i * channels) + c] = (short)(10_000 * Math.Sin(2 * Math.PI * frequency * i / rate));
            }
        }

        using var file = new MemoryStream();
        WavHeader.Write(file, interleaved, rate, channels);
        file.Position = 0;
        await using WavFileSource source = await WavFileSource.OpenAsync(file, cancellationToken: Ct);
        short[] output = await ReadAllAsync(source);

        Assert.Equal(rate, source.SourceSampleRate);
        Assert.Equal(channels, source.SourceChannels);
        Assert.Equal(50 * AudioFormat.SamplesPerFrame, output.Length);
        var expected = new short[AudioFormat.SampleRate];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] = (short)(10_000 * Math.Sin(2 * Math.PI * frequency * i / AudioFormat.SampleRate));
        }

        // Skip the resampler's edges; the body must be the same tone.
        double correlation = SignalMath.Correlation(expected[4800..43200], output[4800..43200], 0);
        Assert.True(correlation > 0.98, $"correlation {correlation:F3}");
    }

    [Theory]
    [InlineData("not a wav file at all, definitely not")]
    [InlineData("RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x40\x1f\0\0\x01\0\x08\0data\0\0\0\0")] // 8-bit
    [InlineData("RIFF\x24\0\0\0WAVEdata\x10\0\0\0")] // data before fmt
    [InlineData("RIFF\x24\0\0\0WAVE")] // truncated
    public async Task WavFileSource_UnsupportedFile_ThrowsTypedError(string content)
    {
        using var file = new MemoryStream(content.Select(c => (byte)c).ToArray());
        var ex = await Assert.ThrowsAsync<MediaException>(() => WavFileSource.OpenAsync(file, cancellationToken: Ct).AsTask());
        Assert.Equal(MediaError.UnsupportedAudioFile, ex.Error);
    }

    [Fact]
    public async Task WavFileSink_ThenSource_RoundTripsThroughFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"irohsocial-{Guid.NewGuid():N}.wav");
        try
        {
            short[] input = SpeechLikeSignal.Generate(TimeSpan.FromMilliseconds(400));
            await using (WavFileSink sink = WavFileSink.Create(path))
            {
                for (int i = 0; i < 20; i++)
                {
                    await sink.WriteFrameAsync(input.AsMemory(i * AudioFormat.SamplesPerFrame, AudioFormat.SamplesPerFrame), Ct);
                }

                Assert.Equal(TimeSpan.FromMilliseconds(400), sink.Duration);
            }

            await using WavFileSource source = await WavFileSource.OpenAsync(path, Ct);
            Assert.Equal(TimeSpan.FromMilliseconds(400), source.Duration);
            Assert.Equal(input, await ReadAllAsync(source));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ToneSource_Duration_ProducesToneThenEnds()
    {
        await using var tone = new ToneSource(1000, 0.5, TimeSpan.FromMilliseconds(100));
        short[] output = await ReadAllAsync(tone);
        Assert.Equal(5 * AudioFormat.SamplesPerFrame, output.Length);
        Assert.InRange(SignalMath.Rms(output), 0.5 * short.MaxValue / Math.Sqrt(2) * 0.99, 0.5 * short.MaxValue / Math.Sqrt(2) * 1.01);
        int crossings = Enumerable.Range(1, output.Length - 1).Count(i => output[i - 1] < 0 && output[i] >= 0);
        Assert.InRange(crossings, 99, 101); // 1 kHz for 100 ms
    }

    [Fact]
    public async Task SilenceSource_Duration_ProducesZerosThenEnds()
    {
        await using var silence = new SilenceSource(TimeSpan.FromMilliseconds(50));
        short[] output = await ReadAllAsync(silence);
        Assert.Equal(3 * AudioFormat.SamplesPerFrame, output.Length);
        Assert.All(output, s => Assert.Equal(0, s));
    }

    [Fact]
    public async Task PushAudioSource_OddChunks_ReframedAndLastFramePadded()
    {
        await using var push = new PushAudioSource();
        short[] input = [.. Enumerable.Range(1, 2500).Select(i => (short)i)];
        Task producer = Task.Run(async () =>
        {
            foreach (short[] chunk in input.Chunk(333))
            {
                await push.PushAsync(chunk, Ct);
            }

            push.Complete();
        }, Ct);

        short[] output = await ReadAllAsync(push);
        await producer;
        Assert.Equal(3 * AudioFormat.SamplesPerFrame, output.Length);
        Assert.Equal(input, output[..2500]);
        Assert.All(output[2500..], s => Assert.Equal(0, s));
        await Assert.ThrowsAsync<InvalidOperationException>(() => push.PushAsync(new short[10], Ct).AsTask());
    }

    [Fact]
    public async Task MemoryAudioSink_CollectsFrames()
    {
        var sink = new MemoryAudioSink();
        await sink.WriteFrameAsync(new short[AudioFormat.SamplesPerFrame], Ct);
        await sink.WriteFrameAsync(Enumerable.Repeat((short)7, AudioFormat.SamplesPerFrame).ToArray(), Ct);
        Assert.Equal(2, sink.FrameCount);
        Assert.Equal(TimeSpan.FromMilliseconds(40), sink.Duration);
        Assert.Equal(7, sink.ToArray()[^1]);
        await Assert.ThrowsAsync<ArgumentException>(() => sink.WriteFrameAsync(new short[10], Ct).AsTask());
    }

    internal static async Task<short[]> ReadAllAsync(IAudioSource source)
    {
        var all = new List<short>();
        var frame = new short[AudioFormat.SamplesPerFrame];
        while (await source.ReadFrameAsync(frame, Ct))
        {
            all.AddRange(frame);
        }

        return [.. all];
    }
}
