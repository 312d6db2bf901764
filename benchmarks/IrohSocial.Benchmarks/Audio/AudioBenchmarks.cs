using BenchmarkDotNet.Attributes;
using Concentus;
using Concentus.Enums;
using IrohSocial.Media.Audio;

namespace IrohSocial.Benchmarks.Audio;

/// <summary>
/// Encode + decode of one 20 ms frame (48 kHz mono, VBR 24 kbps, complexity 5, DTX) through the SDK's
/// OpusAudioEncoder/OpusAudioDecoder versus the same Concentus calls made directly, native and managed.
/// Realtime factor = 20 ms / mean time.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class AudioBenchmarks
{
    private const int Frames = 50;
    private readonly short[][] _input = new short[Frames][];
    private readonly short[] _output = new short[AudioFormat.SamplesPerFrame];
    private readonly byte[] _packet = new byte[OpusAudioEncoder.MaxPacketSize];
    private OpusAudioEncoder _sdkEncoder = null!;
    private OpusAudioDecoder _sdkDecoder = null!;
    private IOpusEncoder _rawEncoder = null!;
    private IOpusDecoder _rawDecoder = null!;
    private int _next;

    [Params(OpusImplementation.Native, OpusImplementation.Managed)]
    public OpusImplementation Implementation { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // A second of harmonic tone sweeps, so the encoder sees voiced, changing input.
        for (int f = 0; f < Frames; f++)
        {
            _input[f] = new short[AudioFormat.SamplesPerFrame];
            for (int i = 0; i < AudioFormat.SamplesPerFrame; i++)
            {
                double t = ((f * AudioFormat.SamplesPerFrame) + i) / (double)AudioFormat.SampleRate;
                double pitch = 150 + (100 * Math.Sin(2 * Math.PI * 0.7 * t));
                double phase = 2 * Math.PI * pitch * t;
                _input[f][i] = (short)(9000 * (Math.Sin(phase) + (0.5 * Math.Sin(2 * phase)) + (0.25 * Math.Sin(3 * phase))) / 1.75);
            }
        }

        _sdkEncoder = OpusAudioEncoder.Create(new OpusEncoderOptions { Implementation = Implementation });
        _sdkDecoder = OpusAudioDecoder.Create(Implementation);
        _rawEncoder = CreateRawEncoder(Implementation);
        _rawDecoder = CreateRawDecoder(Implementation);
        _rawEncoder.UseVBR = true;
        _rawEncoder.UseConstrainedVBR = false;
        _rawEncoder.SignalType = OpusSignal.OPUS_SIGNAL_VOICE;
        _rawEncoder.Complexity = 5;
        _rawEncoder.UseDTX = true;
        _rawEncoder.Bitrate = 24_000;
        if (_sdkEncoder.IsNative != (Implementation == OpusImplementation.Native) || _sdkDecoder.IsNative != _sdkEncoder.IsNative)
        {
            throw new InvalidOperationException("The benchmark did not get the implementation it asked for.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sdkEncoder.Dispose();
        _sdkDecoder.Dispose();
        (_rawEncoder as IDisposable)?.Dispose();
        (_rawDecoder as IDisposable)?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Raw Concentus encode+decode")]
    public int RawConcentus()
    {
        short[] frame = _input[_next++ % Frames];
        int length = _rawEncoder.Encode(frame, AudioFormat.SamplesPerFrame, _packet, _packet.Length);
        return _rawDecoder.Decode(_packet.AsSpan(0, length), _output, AudioFormat.SamplesPerFrame, false);
    }

    [Benchmark(Description = "SDK OpusAudioEncoder/Decoder")]
    public bool Sdk()
    {
        short[] frame = _input[_next++ % Frames];
        int length = _sdkEncoder.Encode(frame, _packet);
        return _sdkDecoder.TryDecode(_packet.AsSpan(0, length), _output);
    }

    private static IOpusEncoder CreateRawEncoder(OpusImplementation implementation) => implementation == OpusImplementation.Native
        ? OpusCodecFactory.CreateEncoder(AudioFormat.SampleRate, 1, OpusApplication.OPUS_APPLICATION_VOIP)
#pragma warning disable CS0618 // the managed struct directly, as the SDK does for Managed
        : new Concentus.Structs.OpusEncoder(AudioFormat.SampleRate, 1, OpusApplication.OPUS_APPLICATION_VOIP);
#pragma warning restore CS0618

    private static IOpusDecoder CreateRawDecoder(OpusImplementation implementation) => implementation == OpusImplementation.Native
        ? OpusCodecFactory.CreateDecoder(AudioFormat.SampleRate, 1)
#pragma warning disable CS0618
        : new Concentus.Structs.OpusDecoder(AudioFormat.SampleRate, 1);
#pragma warning restore CS0618
}
