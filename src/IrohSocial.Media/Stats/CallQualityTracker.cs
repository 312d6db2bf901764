namespace IrohSocial.Media.Stats;

/// <summary>
/// Turns each interval's figures into the call's quality level, with hysteresis so an indicator does not flicker:
/// a worse level shows at once, a better one only after <see cref="IntervalsToImprove"/> intervals in a row all
/// better than the current level (it then rises to the worst of those intervals).
/// </summary>
/// <remarks>
/// The interval's level is <see cref="CallStatsCalculator.Classify(double, TimeSpan, TimeSpan?, double)"/> of the
/// larger of local and peer-reported loss, the jitter, the RTT and the share of played audio that was concealed
/// since the previous figures (20 ms frames, so 50 per second).
/// </remarks>
internal sealed class CallQualityTracker
{
    public const int IntervalsToImprove = 3;
    private const double FramesPerSecond = 50;

    private readonly List<CallQuality> _better = [];
    private DateTimeOffset? _lastAt;
    private long _lastConcealed;

    /// <summary>The level shown now (Good until the first figures say otherwise).</summary>
    public CallQuality Level { get; private set; } = CallQuality.Good;

    /// <summary>
    /// Takes the next figures (whose <see cref="CallCounters.ConcealedFrames"/> of <see cref="CallStats.Counters"/> is a running total). Returns the
    /// interval's concealed share and the level before, when this interval changed it.
    /// </summary>
    public (double Concealment, CallQuality? ChangedFrom) Update(CallStats stats)
    {
        var concealment = 0.0;
        if (_lastAt is { } last && stats.Timestamp > last)
        {
            var frames = (stats.Timestamp - last).TotalSeconds * FramesPerSecond;
            concealment = Math.Clamp((stats.Counters.ConcealedFrames - _lastConcealed) / frames, 0, 1);
        }

        _lastAt = stats.Timestamp;
        _lastConcealed = stats.Counters.ConcealedFrames;
        var interval = CallStatsCalculator.Classify(Math.Max(stats.LossFraction, stats.RemoteLossFraction ?? 0), stats.Jitter, stats.RoundTripTime, concealment);
        var before = Level;
        if (interval >= Level)
        {
            // Same or worse (the enum grows worse): shown at once, and any run of better intervals is broken.
            _better.Clear();
            Level = interval;
        }
        else
        {
            _better.Add(interval);
            if (_better.Count == IntervalsToImprove)
            {
                Level = _better.Max();
                _better.Clear();
            }
        }

        return (concealment, Level != before ? before : null);
    }
}
