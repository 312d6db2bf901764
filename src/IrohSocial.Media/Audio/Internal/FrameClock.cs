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

    /// <summary>Waits until the next frame's deadline (returns at once when it has passed) and returns its index.</summary>
    public async ValueTask<long> WaitForNextFrameAsync(CancellationToken cancellationToken)
    {
        long frame = _frames + 1;
        var due = TimeSpan.FromTicks(AudioFormat.FrameDuration.Ticks * frame);
        while (true)
        {
            TimeSpan elapsed = _time.GetElapsedTime(_start);
            if (elapsed >= due)
            {
                break;
            }

            // TimeProvider timers are relative to when they are created: if the clock moved between reading it and
            // arming the timer (a test stepping a fake clock, a preempted thread), the timer would fire past the
            // deadline, so arm again from the new reading. Loops also cover timers that fire a little early.
            Task delay = Task.Delay(due - elapsed, _time, cancellationToken);
            if (_time.GetElapsedTime(_start) - elapsed >= RearmThreshold)
            {
                continue;
            }

            await delay.ConfigureAwait(false);
        }

        Volatile.Write(ref _frames, frame);
        return frame;
    }
}
