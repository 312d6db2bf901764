namespace IrohSocial.Media.Audio;

/// <summary>Settings for <see cref="AudioReceiver"/>.</summary>
internal sealed record AudioReceiverOptions
{
    /// <summary>The defaults.</summary>
    public static AudioReceiverOptions Default { get; } = new();

    /// <summary>Jitter-buffer settings.</summary>
    public JitterBufferOptions JitterBuffer { get; init; } = JitterBufferOptions.Default;

    /// <summary>Native libopus, managed, or whichever is available.</summary>
    public OpusImplementation Decoder { get; init; } = OpusImplementation.Auto;

    /// <summary>
    /// True (default) when the receiver reads and checks the stream's preamble itself; false when the call
    /// layer already read it to route the stream to this call.
    /// </summary>
    public bool ReadPreamble { get; init; } = true;

    /// <summary>How often statistics are published and a receiver report is sent back (whole frames, at least 20 ms).</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(1);

    internal int StatsIntervalFrames => Math.Max(1, (int)Math.Round(StatsInterval.TotalMilliseconds / AudioFormat.FrameDurationMilliseconds));

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(JitterBuffer, nameof(JitterBuffer));
        JitterBuffer.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(StatsInterval, AudioFormat.FrameDuration, nameof(StatsInterval));
        if (!Enum.IsDefined(Decoder))
        {
            throw new ArgumentOutOfRangeException(nameof(Decoder));
        }
    }
}
