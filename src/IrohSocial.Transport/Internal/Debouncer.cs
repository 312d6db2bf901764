namespace IrohSocial.Transport.Internal;

/// <summary>
/// Turns a burst of signals into one call: <c>fire</c> runs once the signals have been quiet for <c>quiet</c>, and at
/// the latest <c>maxWait</c> after the first signal of the burst (an OS that keeps reporting does not postpone it for
/// ever). Hand-written: a dozen lines on <see cref="TimeProvider"/> timers, so tests drive it with a fake clock.
/// </summary>
internal sealed class Debouncer : IDisposable
{
    private readonly TimeSpan _quiet;
    private readonly TimeSpan _maxWait;
    private readonly TimeProvider _time;
    private readonly Action _fire;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private long _burstStart;
    private bool _pending;
    private bool _disposed;

    public Debouncer(TimeSpan quiet, TimeSpan maxWait, TimeProvider time, Action fire)
    {
        _quiet = quiet;
        _maxWait = maxWait < quiet ? quiet : maxWait;
        _time = time;
        _fire = fire;
        _timer = time.CreateTimer(static s => ((Debouncer)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Notes one signal; <c>fire</c> follows once the burst is over.</summary>
    public void Signal()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var now = _time.GetTimestamp();
            if (!_pending)
            {
                _pending = true;
                _burstStart = now;
            }

            var left = _maxWait - _time.GetElapsedTime(_burstStart, now);
            _timer.Change(left < _quiet ? (left < TimeSpan.Zero ? TimeSpan.Zero : left) : _quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (!_pending || _disposed)
            {
                return;
            }

            _pending = false;
        }

        _fire();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }
}
