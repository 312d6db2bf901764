namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// One per active call, ticking every <see cref="Tick"/>: sends the current leg's keep-alives, declares the leg dead
/// when nothing arrived on it for <see cref="CallOptions.DeadPathTimeout"/> (the leg is then restored like a dropped
/// one, long before the transport's idle timeout), and measures the audio gap of every restore: from the last audio
/// frame decoded before the leg was lost to the first one after (both sampled at the tick, so the gap is exact to a tick).
/// Polls the legs' counters instead of hooking the audio path, so the jitter buffer's hot path stays untouched.
/// </summary>
internal sealed class CallWatchdog : IDisposable
{
    /// <summary>How often the watchdog looks (the resolution of the gap it measures).</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private readonly CallCore _call;
    private readonly TimeSpan _deadAfter;
    private readonly TimeSpan _keepAliveEvery;
    private readonly TimeProvider _time;
    private readonly Action<CallLeg> _onDeadPath;
    private readonly Action<TimeSpan> _onAudioRestored;
    private readonly ITimer _timer;

    // Touched by ticks only (one at a time, see _ticking).
    private CallLeg? _leg;
    private long _legActivity;
    private long _legActiveAt;
    private long _keepAliveAt;
    private Task _keepAlive = Task.CompletedTask;
    private bool _legReportedDead;
    private long _audioPlayed;
    private long _audioPlayedAt;

    // Shared with other threads.
    private int _ticking;
    private int _restoring;
    private long _lastGapTicks = -1;
    private int _disposed;

    public CallWatchdog(CallCore call, TimeSpan deadPathTimeout, TimeProvider time, Action<CallLeg> onDeadPath, Action<TimeSpan> onAudioRestored)
    {
        _call = call;
        _deadAfter = deadPathTimeout;
        _keepAliveEvery = deadPathTimeout > TimeSpan.Zero ? deadPathTimeout / 4 : TimeSpan.FromSeconds(1);
        _time = time;
        _onDeadPath = onDeadPath;
        _onAudioRestored = onAudioRestored;
        _audioPlayedAt = time.GetTimestamp();
        _timer = time.CreateTimer(static s => ((CallWatchdog)s!).OnTick(), this, Tick, Tick);
    }

    /// <summary>The audio gap of the last restore that brought audio back, or null.</summary>
    public TimeSpan? LastGap => Interlocked.Read(ref _lastGapTicks) is var ticks and >= 0 ? TimeSpan.FromTicks(ticks) : null;

    /// <summary>The current leg was lost (dropped, dead or replaced on a network change): the next audio closes a gap.</summary>
    public void OnLegLost() => Volatile.Write(ref _restoring, 1);

    // No lock is held while reading the call (its lock is taken by statistics that read LastGap: nesting the two
    // deadlocked); ticks that would overlap (a slow one) are skipped instead.
    private void OnTick()
    {
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            Check();
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private void Check()
    {
        var now = _time.GetTimestamp();
        var counters = _call.Counters;
        var played = counters.AudioFramesPlayed - counters.ConcealedFrames; // decoded from the peer's packets (or FEC)
        var leg = _call.Leg;
        if (played > _audioPlayed)
        {
            if (leg is not null && Interlocked.Exchange(ref _restoring, 0) == 1)
            {
                var gap = _time.GetElapsedTime(_audioPlayedAt, now);
                Interlocked.Exchange(ref _lastGapTicks, gap.Ticks);
                _onAudioRestored(gap);
            }

            _audioPlayed = played;
            _audioPlayedAt = now;
        }

        if (!ReferenceEquals(leg, _leg))
        {
            _leg = leg;
            _legActivity = leg?.ActivityCount ?? 0;
            _legActiveAt = now;
            _keepAliveAt = 0;
            _legReportedDead = false;
        }

        if (leg is null)
        {
            return;
        }

        var activity = leg.ActivityCount;
        if (activity != _legActivity)
        {
            _legActivity = activity;
            _legActiveAt = now;
        }
        else if (_deadAfter > TimeSpan.Zero && !_legReportedDead && _time.GetElapsedTime(_legActiveAt, now) >= _deadAfter)
        {
            _legReportedDead = true;
            _onDeadPath(leg);
            return;
        }

        // One keep-alive in flight at most: on a dead path a write may block until the leg is closed.
        if (_keepAlive.IsCompleted && (_keepAliveAt == 0 || _time.GetElapsedTime(_keepAliveAt, now) >= _keepAliveEvery))
        {
            _keepAliveAt = now;
            _keepAlive = leg.SendKeepAliveAsync();
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, 1);
        _timer.Dispose();
    }
}
