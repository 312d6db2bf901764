using IrohSocial.Media.Audio;
using IrohSocial.Media.Tests.Support;

namespace IrohSocial.Media.Tests.Audio;

public sealed class OpusCodecTests
{
    public static TheoryData<OpusImplementation> Implementations => [OpusImplementation.Native, OpusImplementation.Managed];

    [Fact]
    public void Create_Auto_UsesNativeLibopusWhenInstalled()
    {
        IrohSocial.Tests.Shared.NativeOpusRequirement.Libopus();
        using var encoder = OpusAudioEncoder.Create();
        using var decoder = OpusAudioDecoder.Create();
        Assert.True(encoder.IsNative);
        Assert.True(decoder.IsNative);
    }

    [Fact]
    public void Create_Managed_UsesManagedPort()
    {
        using var encoder = OpusAudioEncoder.Create(new OpusEncoderOptions { Implementation = OpusImplementation.Managed });
        using var decoder = OpusAudioDecoder.Create(OpusImplementation.Managed);
        Assert.False(encoder.IsNative);
        Assert.False(decoder.IsNative);
    }

    [Theory]
    [InlineData(OpusImplementation.Auto, "native")]
    [InlineData(OpusImplementation.Managed, "managed")]
    public void Create_LogsWhichImplementationWasChosen(OpusImplementation implementation, string expected)
    {
        IrohSocial.Tests.Shared.NativeOpusRequirement.Libopus(implementation);
        var logger = new ListLogger();
        using var encoder = OpusAudioEncoder.Create(new OpusEncoderOptions { Implementation = implementation }, logger);
        using var decoder = OpusAudioDecoder.Create(implementation, logger);

        Assert.Collection(
            logger.Entries,
            e => Assert.Equal(("encoder", 5000), (e.Message.Split(' ')[1], e.Id.Id)),
            e => Assert.Equal(("decoder", 5000), (e.Message.Split(' ')[1], e.Id.Id)));
        Assert.All(logger.Entries, e => Assert.Contains($"uses the {expected} implementation", e.Message));
    }

    [Fact]
    public void Create_Defaults_FollowCallDesign()
    {
        using var encoder = OpusAudioEncoder.Create();
        Assert.Equal(24_000, encoder.Bitrate);
        Assert.Equal(5, encoder.Complexity);
        Assert.True(encoder.UseDtx);
        Assert.False(encoder.InbandFec);
    }

    [Theory]
    [InlineData(15_999)]
    [InlineData(32_001)]
    public void Create_BitrateOutsideCallRange_Throws(int bitrate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OpusAudioEncoder.Create(new OpusEncoderOptions { Bitrate = bitrate }));
    }

    [Fact]
    public void Encode_WrongFrameSize_Throws()
    {
        using var encoder = OpusAudioEncoder.Create();
        Assert.Throws<ArgumentException>(() => encoder.Encode(new short[480]));
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void EncodeDecode_SpeechLikeSignal_PreservesWaveform(OpusImplementation implementation)
    {
        IrohSocial.Tests.Shared.NativeOpusRequirement.Libopus(implementation);
        short[] input = SpeechLikeSignal.Generate(TimeSpan.FromSeconds(3));
        short[] output = RoundTrip(input, implementation, implementation, out long bytes);

        double correlation = SignalMath.AlignedCorrelation(input, output, 2000, out _);
        Assert.True(correlation >= 0.9, $"correlation {correlation:F3}");

        double kbps = bytes * 8 / 3.0 / 1000;
        Assert.InRange(kbps, 8, 36);
    }

    [Fact]
    public void EncodeDecode_NativeAndManaged_Interoperate()
    {
        IrohSocial.Tests.Shared.NativeOpusRequirement.Libopus();
        short[] input = SpeechLikeSignal.Generate(TimeSpan.FromSeconds(2));
        short[] output = RoundTrip(input, OpusImplementation.Managed, OpusImplementation.Native, out _);
        Assert.True(SignalMath.AlignedCorrelation(input, output, 2000, out _) >= 0.9);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Encode_Muted_SendsTinyDtxPackets(OpusImplementation implementation)
    {
        IrohSocial.Tests.Shared.NativeOpusRequirement.Libopus(implementation);
        using var encoder = OpusAudioEncoder.Create(new OpusEncoderOptions { Implementation = implementation });
        var tone = new short[AudioFormat.SamplesPerFrame];
        for (int i = 0; i < tone.Length; i++)
        {
            tone[i] = (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / AudioFormat.SampleRate));
        }

        int loud = encoder.Encode(tone).Length;
        encoder.Muted = true;
        var muted = Enumerable.Range(0, 50).Select(_ => encoder.Encode(tone).Length).ToList();

        Assert.True(loud > 20, $"tone packet {loud} bytes");
        // DTX: one-byte packets, except a comfort-noise update every 400 ms.
        int tiny = muted.Skip(10).Count(length => length <= 3);
        Assert.True(tiny >= 36, $"{tiny} of 40 muted packets were DTX-sized");
        Assert.True(muted.Skip(10).Sum() < loud * 10, "muted audio should cost far less than the tone");
    }

    [Theory]
    [InlineData(OpusImplementation.Native, OpusImplementation.Native)]
    [InlineData(OpusImplementation.Managed, OpusImplementation.Native)]
    [InlineData(OpusImplementation.Native, OpusImplementation.Managed)]
    [InlineData(OpusImplementation.Managed, OpusImplementation.Managed)]
    public void DecodeFec_LostFrame_RecoversBetterThanConcealment(OpusImplementation encoderImpl, OpusImplementation implementation)
    {
        IrohSocial.Tests.Shared.NativeOpusRequirement.Libopus(encoderImpl, implementation);
        short[] input = SpeechLikeSignal.Generate(TimeSpan.FromSeconds(2));
        using var encoder = OpusAudioEncoder.Create(new OpusEncoderOptions
        {
            Implementation = encoderImpl,
            UseInbandFec = true,
            ExpectedPacketLossPercent = 25, Bitrate = 32_000,
        });
        var packets = new List<byte[]>();
        for (int offset = 0; offset + AudioFormat.SamplesPerFrame <= input.Length; offset += AudioFormat.SamplesPerFrame)
        {
            packets.Add(encoder.Encode(input.AsSpan(offset, AudioFormat.SamplesPerFrame)));
        }

        // Reference: decode everything; then lose frames in the middle of syllables, once with FEC and once with PLC.
        short[] reference = DecodeAll(packets, implementation, _ => false, useFec: false);
        var lost = new HashSet<int>(Enumerable.Range(5, 90).Where(i => i % 7 == 0));
        short[] withFec = DecodeAll(packets, implementation, lost.Contains, useFec: true);
        short[] withPlc = DecodeAll(packets, implementation, lost.Contains, useFec: false);

        double fecError = LostFrameError(reference, withFec, lost);
        double plcError = LostFrameError(reference, withPlc, lost);
        Assert.True(fecError < plcError * 0.8, $"FEC error {fecError:F0} vs PLC error {plcError:F0}");
    }

    [Fact]
    public void TryDecode_InvalidPacket_ReturnsFalse()
    {
        using var decoder = OpusAudioDecoder.Create();
        var pcm = new short[AudioFormat.SamplesPerFrame];
        Assert.False(decoder.TryDecode([], pcm));
        // Code-3 packet (TOC low bits 0b11) announcing zero frames: malformed.
        Assert.False(decoder.TryDecode([0x03, 0x00], pcm));
    }

    [Fact]
    public void TryDecode_RandomBytes_NeverThrows()
    {
        using var decoder = OpusAudioDecoder.Create(OpusImplementation.Managed);
        var pcm = new short[AudioFormat.SamplesPerFrame];
        var random = new Random(1);
        for (int i = 0; i < 200; i++)
        {
            var junk = new byte[random.Next(1, 200)];
            random.NextBytes(junk);
            decoder.TryDecode(junk, pcm);
        }
    }

    private static short[] RoundTrip(short[] input, OpusImplementation encoderImpl, OpusImplementation decoderImpl, out long bytes)
    {
        using var encoder = OpusAudioEncoder.Create(new OpusEncoderOptions { Implementation = encoderImpl });
        using var decoder = OpusAudioDecoder.Create(decoderImpl);
        var output = new short[input.Length];
        var packet = new byte[OpusAudioEncoder.MaxPacketSize];
        bytes = 0;
        for (int offset = 0; offset + AudioFormat.SamplesPerFrame <= input.Length; offset += AudioFormat.SamplesPerFrame)
        {
            int length = encoder.Encode(input.AsSpan(offset, AudioFormat.SamplesPerFrame), packet);
            bytes += length;
            Assert.True(decoder.TryDecode(packet.AsSpan(0, length), output.AsSpan(offset, AudioFormat.SamplesPerFrame)));
        }

        return output;
    }

    private static short[] DecodeAll(List<byte[]> packets, OpusImplementation implementation, Func<int, bool> isLost, bool useFec)
    {
        using var decoder = OpusAudioDecoder.Create(implementation);
        var output = new short[packets.Count * AudioFormat.SamplesPerFrame];
        for (int i = 0; i < packets.Count; i++)
        {
            Span<short> frame = output.AsSpan(i * AudioFormat.SamplesPerFrame, AudioFormat.SamplesPerFrame);
            if (!isLost(i))
            {
                decoder.TryDecode(packets[i], frame);
            }
            else if (useFec && i + 1 < packets.Count)
            {
                decoder.DecodeFec(packets[i + 1], frame);
            }
            else
            {
                decoder.Conceal(frame);
            }
        }

        return output;
    }

    private static double LostFrameError(short[] reference, short[] actual, HashSet<int> lost)
    {
        double error = 0;
        foreach (int i in lost)
        {
            for (int k = i * AudioFormat.SamplesPerFrame; k < (i + 1) * AudioFormat.SamplesPerFrame; k++)
            {
                double d = reference[k] - actual[k];
                error += d * d;
            }
        }

        return Math.Sqrt(error / (lost.Count * AudioFormat.SamplesPerFrame));
    }
}
