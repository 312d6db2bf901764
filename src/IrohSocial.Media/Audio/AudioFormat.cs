namespace IrohSocial.Media.Audio;

/// <summary>The one audio format calls use on the wire and between devices: 48 kHz mono, 16-bit, 20 ms frames.</summary>
public static class AudioFormat
{
    /// <summary>Samples per second (48 kHz).</summary>
    public const int SampleRate = 48_000;

    /// <summary>Channel count (mono).</summary>
    public const int Channels = 1;

    /// <summary>Duration of one frame in milliseconds.</summary>
    public const int FrameDurationMilliseconds = 20;

    /// <summary>Samples in one 20 ms frame (960).</summary>
    public const int SamplesPerFrame = SampleRate / 1000 * FrameDurationMilliseconds;

    /// <summary>Duration of one frame.</summary>
    public static TimeSpan FrameDuration => TimeSpan.FromMilliseconds(FrameDurationMilliseconds);
}
