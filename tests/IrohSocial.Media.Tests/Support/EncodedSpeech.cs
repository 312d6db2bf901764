using IrohSocial.Media.Audio;

namespace IrohSocial.Media.Tests.Support;

/// <summary>Opus packets of the speech-like signal, encoded once per test run (with FEC so recovery can be exercised).</summary>
internal static class EncodedSpeech
{
    private static readonly Lazy<byte[][]> LazyPackets = new(() =>
    {
        short[] pcm = SpeechLikeSignal.Generate(TimeSpan.FromSeconds(30));
        using var encoder = OpusAudioEncoder.Create(new OpusEncoderOptions { UseInbandFec = true, ExpectedPacketLossPercent = 10 });
        return [.. pcm.Chunk(AudioFormat.SamplesPerFrame).Select(frame => encoder.Encode(frame))];
    });

    /// <summary>1500 packets (30 s).</summary>
    public static byte[][] Packets => LazyPackets.Value;
}
