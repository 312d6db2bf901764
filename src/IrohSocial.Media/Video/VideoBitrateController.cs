namespace IrohSocial.Media.Video;

/// <summary>
/// Chooses the video resolution and bitrate of a call from measured goodput, loss and RTT. Pure logic: feed it one
/// <see cref="VideoNetworkSample"/> per stats interval and apply the returned <see cref="VideoEncodingTarget"/>.
/// </summary>
/// <remarks>
/// <para>
/// A bandwidth estimate grows by <see cref="VideoBitrateControllerOptions.IncreasePerSecond"/> while the link is
/// loss-free and drops to <see cref="VideoBitrateControllerOptions.BackoffFactor"/> times the goodput on congestion
/// (loss above <see cref="VideoBitrateControllerOptions.HighLossFraction"/>, RTT rising by the queueing threshold, or
/// the sender skipping more than <see cref="VideoBitrateControllerOptions.SenderSkipThreshold"/> of its frames because
/// the transport pushes back).
/// Audio's reserve comes off the top; the rest picks a step of the ladder 320x240@&lt;=250k, 640x480@500-1500k,
/// 1280x720@2000k, or suspends video. So video always backs off first and audio keeps its bandwidth.
/// </para>
/// <para>
/// Hysteresis: steps down happen at once; a step up needs the next step's minimum times
/// <see cref="VideoBitrateControllerOptions.UpgradeMargin"/> and <see cref="VideoBitrateControllerOptions.UpgradeHold"/>
/// without congestion or step change. A step up followed by congestion within two holds counts as a failed probe
/// and doubles the hold (up to <see cref="VideoBitrateControllerOptions.MaxUpgradeHold"/>); a step up that holds for
/// two holds resets it. Time comes from the
/// <see cref="TimeProvider"/>, so tests script it. Not thread-safe.
/// </para>
/// </remarks>
internal sealed class VideoBitrateController
{
    private readonly VideoBitrateControllerOptions _options;
    private readonly TimeProvider _time;
    private readonly double _ceilingKbps;
    private long _lastUpdate;
    private long _lastChange;
    private long _lastCongestion;
    private long? _lastUpgrade;
    private TimeSpan _hold;
    private TimeSpan _minRtt = TimeSpan.MaxValue;

    /// <summary>Creates a controller starting at the step that <see cref="VideoBitrateControllerOptions.InitialBandwidthKbps"/> allows.</summary>
    public VideoBitrateController(VideoBitrateControllerOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? VideoBitrateControllerOptions.Default;
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _hold = _options.UpgradeHold;

        // Without a cap the estimate would keep growing on an idle link; 1.5x the top step is enough to probe it.
        _ceilingKbps = (VideoBitrateControllerOptions.HighKbps * 1.5) + _options.AudioReserveKbps;
        EstimatedBandwidthKbps = Math.Min(_options.InitialBandwidthKbps, _ceilingKbps);
        _lastUpdate = _lastChange = _lastCongestion = _time.GetTimestamp();
        Current = Target(InitialStep(EstimatedBandwidthKbps - _options.AudioReserveKbps), EstimatedBandwidthKbps - _options.AudioReserveKbps);
    }

    /// <summary>The target decided by the last update.</summary>
    public VideoEncodingTarget Current { get; private set; }

    /// <summary>The current estimate of the link's usable bandwidth for audio and video together, kbit/s.</summary>
    public double EstimatedBandwidthKbps { get; private set; }

    /// <summary>The hold currently required before a step up (grows after failed step ups).</summary>
    public TimeSpan CurrentUpgradeHold => _hold;

    /// <summary>Takes one measurement and returns the (possibly unchanged) target.</summary>
    public VideoEncodingTarget Update(VideoNetworkSample sample)
    {
        if (!double.IsFinite(sample.GoodputKbps) || sample.GoodputKbps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sample), "Goodput must be a finite, non-negative number.");
        }

        if (!double.IsFinite(sample.LossFraction) || sample.LossFraction is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(sample), "Loss must be between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(sample.RoundTripTime, TimeSpan.Zero, nameof(sample));
        if (!double.IsFinite(sample.SenderSkipFraction) || sample.SenderSkipFraction is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(sample), "The sender's skip fraction must be between 0 and 1.");
        }

        var now = _time.GetTimestamp();

        // A long gap between samples (video paused, app suspended) must not turn into one huge increase.
        var seconds = Math.Min(_time.GetElapsedTime(_lastUpdate, now).TotalSeconds, 2.0);
        _lastUpdate = now;
        if (sample.RoundTripTime < _minRtt)
        {
            _minRtt = sample.RoundTripTime;
        }

        var congested = sample.LossFraction > _options.HighLossFraction
            || sample.RoundTripTime > _minRtt + _options.QueueingDelayThreshold
            || sample.SenderSkipFraction > _options.SenderSkipThreshold;
        if (congested)
        {
            // Never below audio's reserve: growth is multiplicative, so an estimate of zero could never recover.
            EstimatedBandwidthKbps = Math.Max(
                Math.Min(EstimatedBandwidthKbps * (1 - (0.5 * sample.LossFraction)), sample.GoodputKbps * _options.BackoffFactor),
                Math.Min(_options.AudioReserveKbps, EstimatedBandwidthKbps));
            _lastCongestion = now;
            if (_lastUpgrade is { } upgradedAt && _time.GetElapsedTime(upgradedAt, now) < 2 * _options.UpgradeHold)
            {
                // The last step up was a failed probe: wait longer before the next one.
                _hold = TimeSpan.FromTicks(Math.Min(_hold.Ticks * 2, _options.MaxUpgradeHold.Ticks));
                _lastUpgrade = null;
            }
        }
        else if (sample.LossFraction < _options.LowLossFraction)
        {
            EstimatedBandwidthKbps = Math.Min(EstimatedBandwidthKbps * Math.Pow(1 + _options.IncreasePerSecond, seconds), _ceilingKbps);
        }

        var budget = EstimatedBandwidthKbps - _options.AudioReserveKbps;
        var desired = InitialStep(budget);
        var step = Current.Step;
        if (desired < step)
        {
            step = desired;
        }
        else if (desired > step && !congested)
        {
            var next = step + 1;
            var quietFor = _time.GetElapsedTime(Math.Max(_lastChange, _lastCongestion), now);
            if (budget >= MinimumKbps(next) * _options.UpgradeMargin && quietFor >= _hold)
            {
                step = next;
                _lastUpgrade = now;
            }
        }

        if (step != Current.Step)
        {
            _lastChange = now;
        }

        if (!congested && _lastUpgrade is { } since && step >= Current.Step && _time.GetElapsedTime(since, now) >= 2 * _options.UpgradeHold)
        {
            // The last step up held: it was a successful probe, so forget earlier failures.
            _hold = _options.UpgradeHold;
            _lastUpgrade = null;
        }

        var target = Target(step, budget);
        if (congested && target.Step == Current.Step && target.BitrateKbps > Current.BitrateKbps)
        {
            target = Current; // never raise the rate on a congested sample
        }

        Current = target;
        return target;
    }

    private VideoQualityStep InitialStep(double budget) => budget switch
    {
        _ when budget >= VideoBitrateControllerOptions.HighKbps => VideoQualityStep.High,
        _ when budget >= VideoBitrateControllerOptions.MediumMinKbps => VideoQualityStep.Medium,
        _ when budget >= _options.SuspendBelowKbps => VideoQualityStep.Low,
        _ => VideoQualityStep.Suspended,
    };

    private double MinimumKbps(VideoQualityStep step) => step switch
    {
        VideoQualityStep.Low => _options.SuspendBelowKbps,
        VideoQualityStep.Medium => VideoBitrateControllerOptions.MediumMinKbps,
        VideoQualityStep.High => VideoBitrateControllerOptions.HighKbps,
        _ => 0,
    };

    private static VideoEncodingTarget Target(VideoQualityStep step, double budget) => step switch
    {
        VideoQualityStep.High => new(step, 1280, 720, VideoBitrateControllerOptions.HighKbps),
        VideoQualityStep.Medium => new(step, 640, 480, RoundDown(Math.Clamp(budget, VideoBitrateControllerOptions.MediumMinKbps, VideoBitrateControllerOptions.MediumMaxKbps))),
        VideoQualityStep.Low => new(step, 320, 240, RoundDown(Math.Min(budget, VideoBitrateControllerOptions.LowMaxKbps))),
        _ => new(VideoQualityStep.Suspended, 0, 0, 0),
    };

    // Whole multiples of 10 kbit/s keep the encoder from being reconfigured for noise.
    private static int RoundDown(double kbps) => (int)(Math.Floor(kbps / 10) * 10);
}
