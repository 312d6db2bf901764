namespace IrohSocial.Media.Audio;

/// <summary>Settings for <see cref="AdaptiveJitterBuffer"/>. The defaults suit a voice call.</summary>
internal sealed record JitterBufferOptions
{
    /// <summary>The defaults.</summary>
    public static JitterBufferOptions Default { get; } = new();

    /// <summary>Smallest playout delay the buffer aims for (above the fastest frame seen).</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Largest playout delay the buffer aims for, however bad the jitter.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Added on top of the observed jitter so frames near the percentile still arrive in time.</summary>
    public TimeSpan SafetyMargin { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Share of recent frames (0.5-1) whose jitter the target delay covers.</summary>
    public double JitterPercentile { get; init; } = 0.98;

    /// <summary>How many recent frames the jitter estimate looks at (4 s of audio by default).</summary>
    public int WindowFrames { get; init; } = 200;

    /// <summary>Delay above target (beyond one frame) tolerated before the buffer drains a frame.</summary>
    public TimeSpan DrainHysteresis { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Minimum number of played frames between two drained frames, so shrinking stays inaudible.</summary>
    public int DrainIntervalFrames { get; init; } = 5;

    /// <summary>After this many late frames in a row the buffer starts over (the sender's clock jumped).</summary>
    public int ResyncAfterLateFrames { get; init; } = 10;

    /// <summary>Whether a lost frame is rebuilt from the in-band FEC of the next frame when that one is already here.</summary>
    public bool UseFec { get; init; } = true;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinDelay, TimeSpan.Zero, nameof(MinDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, MinDelay, nameof(MaxDelay));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxDelay, TimeSpan.FromSeconds(5), nameof(MaxDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(SafetyMargin, TimeSpan.Zero, nameof(SafetyMargin));
        ArgumentOutOfRangeException.ThrowIfLessThan(JitterPercentile, 0.5, nameof(JitterPercentile));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(JitterPercentile, 1.0, nameof(JitterPercentile));
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowFrames, 10, nameof(WindowFrames));
        ArgumentOutOfRangeException.ThrowIfLessThan(DrainHysteresis, TimeSpan.Zero, nameof(DrainHysteresis));
        ArgumentOutOfRangeException.ThrowIfLessThan(DrainIntervalFrames, 1, nameof(DrainIntervalFrames));
        ArgumentOutOfRangeException.ThrowIfLessThan(ResyncAfterLateFrames, 1, nameof(ResyncAfterLateFrames));
    }
}
