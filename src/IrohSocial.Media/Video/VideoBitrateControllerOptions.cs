namespace IrohSocial.Media.Video;

/// <summary>Tuning of <see cref="VideoBitrateController"/>. Defaults follow the call design.</summary>
internal sealed record VideoBitrateControllerOptions
{
    /// <summary>The defaults.</summary>
    public static VideoBitrateControllerOptions Default { get; } = new();

    /// <summary>Bandwidth always left to audio (Opus at up to 32 kbit/s plus framing and encryption), kbit/s.</summary>
    public int AudioReserveKbps { get; init; } = 48;

    /// <summary>Bandwidth assumed before the first measurement (gives 640x480 at 1000 kbit/s).</summary>
    public double InitialBandwidthKbps { get; init; } = 1048;

    /// <summary>Loss below this lets the estimate grow.</summary>
    public double LowLossFraction { get; init; } = 0.02;

    /// <summary>Loss above this is congestion: the estimate drops to what actually arrived.</summary>
    public double HighLossFraction { get; init; } = 0.10;

    /// <summary>RTT above the lowest RTT seen by more than this means queues are building: congestion.</summary>
    public TimeSpan QueueingDelayThreshold { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A sample whose <see cref="VideoNetworkSample.SenderSkipFraction"/> exceeds this is congestion: the transport could
    /// not take the video as fast as it was produced. Above zero so one large keyframe holding up a frame or two is not.
    /// </summary>
    public double SenderSkipThreshold { get; init; } = 0.2;

    /// <summary>Growth of the estimate per second of loss-free link (as in WebRTC's loss-based controller).</summary>
    public double IncreasePerSecond { get; init; } = 0.08;

    /// <summary>Share of the measured goodput kept as the estimate after congestion.</summary>
    public double BackoffFactor { get; init; } = 0.85;

    /// <summary>Congestion-free time required before stepping up; doubled after a failed step up.</summary>
    public TimeSpan UpgradeHold { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Upper bound of the doubled <see cref="UpgradeHold"/>.</summary>
    public TimeSpan MaxUpgradeHold { get; init; } = TimeSpan.FromSeconds(32);

    /// <summary>A step up needs this much headroom over the next step's minimum bitrate.</summary>
    public double UpgradeMargin { get; init; } = 1.15;

    /// <summary>Video is suspended when less than this is left for it, kbit/s.</summary>
    public int SuspendBelowKbps { get; init; } = 100;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(AudioReserveKbps, nameof(AudioReserveKbps));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InitialBandwidthKbps, 0, nameof(InitialBandwidthKbps));
        ArgumentOutOfRangeException.ThrowIfNegative(LowLossFraction, nameof(LowLossFraction));
        ArgumentOutOfRangeException.ThrowIfLessThan(HighLossFraction, LowLossFraction, nameof(HighLossFraction));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HighLossFraction, 1, nameof(HighLossFraction));
        ArgumentOutOfRangeException.ThrowIfNegative(SenderSkipThreshold, nameof(SenderSkipThreshold));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SenderSkipThreshold, 1, nameof(SenderSkipThreshold));
        ArgumentOutOfRangeException.ThrowIfNegative(IncreasePerSecond, nameof(IncreasePerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BackoffFactor, 0, nameof(BackoffFactor));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BackoffFactor, 1, nameof(BackoffFactor));
        ArgumentOutOfRangeException.ThrowIfLessThan(UpgradeHold, TimeSpan.Zero, nameof(UpgradeHold));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxUpgradeHold, UpgradeHold, nameof(MaxUpgradeHold));
        ArgumentOutOfRangeException.ThrowIfLessThan(UpgradeMargin, 1, nameof(UpgradeMargin));
        ArgumentOutOfRangeException.ThrowIfLessThan(SuspendBelowKbps, 1, nameof(SuspendBelowKbps));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SuspendBelowKbps, LowMaxKbps, nameof(SuspendBelowKbps));
    }

    internal const int LowMaxKbps = 250;
    internal const int MediumMinKbps = 500;
    internal const int MediumMaxKbps = 1500;
    internal const int HighKbps = 2000;
}
