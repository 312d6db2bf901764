namespace IrohSocial.Media.Audio.Internal;

/// <summary>
/// A 20 ms frame schedule on a <see cref="TimeProvider"/>: frame n (counted from 1) is due at start + n·20 ms.
/// Each wait targets an absolute deadline, so a late wake-up never shifts the frames after it, and after a stall
/// every frame whose deadline has passed is due at once. <see cref="PeriodicTimer"/> is not used because it folds
/// missed ticks into one, which under CPU load sends (or plays) fewer frames than time has passed and bunches the rest.
/// </summary>
internal sealed class FrameClock
{
    /// <summary>Clock movement while arming a timer that is worth re-arming for (smaller drifts are timer noise).</summary>
    private static readonly TimeSpan RearmThreshold = TimeSpan.FromMilliseconds(0.5);

    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly long _startUnixMicroseconds;
    private long _frames;

    /// <summary>Starts the schedule now: the first frame is due one frame duration from now.</summary>
    public FrameClock(TimeProvider time)
    {
        _time = time;
        _start = time.GetTimestamp();
        _startUnixMicroseconds = (long)AudioSender.UnixMicroseconds(time);
    }

    /// <summary>Frames handed out so far (the index of the last one).</summary>
    public long Frames => Volatile.Read(ref _frames);

    /// <summary>The wall-clock time (Unix microseconds) frame <paramref name="frame"/> is scheduled for.</summary>
    public ulong ScheduledUnixMicroseconds(long frame) =>
        (ulong)(_startUnixMicroseconds + (frame * AudioFormat.FrameDurationMilliseconds * 1000L));

    /// <summary>The <see cref="TimeProvider"/> timestamp frame <paramref name="frame"/> is due at.</summary>
    public long DueTimestamp(long frame) =>
        _start + (long)(AudioFormat.FrameDuration.TotalSeconds * frame * _time.TimestampFrequency);

    /// <summary>
    /// Blocks the calling (dedicated, see <see cref="MediaThread"/>) thread until the next frame's deadline and returns its
    /// index. On the system clock it sleeps on the cancellation token's wait handle, so the kernel wakes it at the deadline
    /// and no thread-pool worker is involved (a pool timer's callback waits for a free worker under load); on any other
    /// <see cref="TimeProvider"/> (tests) it waits for that provider's timer.
    /// </summary>
    public long WaitForNextFrame(CancellationToken cancellationToken)
    {
        long frame = _frames + 1;
        var due = TimeSpan.FromTicks(AudioFormat.FrameDuration.Ticks * frame);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TimeSpan elapsed = _time.GetElapsedTime(_start);
            TimeSpan remaining = due - elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            if (_time == TimeProvider.System)
            {
                // Rounded up to whole milliseconds (the wait's resolution): waking early would only loop once more.
                cancellationToken.WaitHandle.WaitOne((int)Math.Ceiling(remaining.TotalMilliseconds));
            }
            else
            {
                WaitForProviderTimer(elapsed, remaining, cancellationToken);
            }
        }

        Volatile.Write(ref _frames, frame);
        return frame;
    }

    private void WaitForProviderTimer(TimeSpan elapsed, TimeSpan remaining, CancellationToken cancellationToken)
    {
        // TimeProvider timers are relative to when they are created: if the clock moved between reading it and arming
        // the timer (a test stepping a fake clock), the timer would fire past the deadline, so the caller re-arms.
        Task delay = Task.Delay(remaining, _time, cancellationToken);
        if (_time.GetElapsedTime(_start) - elapsed < RearmThreshold)
        {
            try
            {
                delay.Wait(cancellationToken);
            }
            catch (AggregateException ex) when (ex.InnerException is OperationCanceledException inner)
            {
                throw inner;
            }
        }
    }
}
