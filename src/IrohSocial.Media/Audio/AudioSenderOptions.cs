namespace IrohSocial.Media.Audio;

/// <summary>Settings for <see cref="AudioSender"/>.</summary>
internal sealed record AudioSenderOptions
{
    /// <summary>The defaults.</summary>
    public static AudioSenderOptions Default { get; } = new();

    /// <summary>Codec settings.</summary>
    public OpusEncoderOptions Encoder { get; init; } = OpusEncoderOptions.Default;

    /// <summary>
    /// True (default) to send on a 20 ms schedule of the sender's clock, for sources that return at once (files,
    /// generators, memory): frame n leaves at start + n·20 ms and is stamped with that time; after a stall every frame
    /// that fell due is sent at once, none is skipped. False for live devices whose reads already wait for the next
    /// 20 ms: each frame is then stamped with the time its read returned.
    /// </summary>
    public bool PaceWithClock { get; init; } = true;

    /// <summary>Reported loss at or above which in-band FEC is switched on (0-1).</summary>
    public double FecLossThreshold { get; init; } = 0.01;

    /// <summary>Consecutive loss-free reports after which FEC is switched off again.</summary>
    public int FecOffAfterCleanReports { get; init; } = 5;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Encoder, nameof(Encoder));
        Encoder.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(FecLossThreshold, nameof(FecLossThreshold));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FecLossThreshold, 1, nameof(FecLossThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(FecOffAfterCleanReports, 1, nameof(FecOffAfterCleanReports));
    }
}
