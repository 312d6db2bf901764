using IrohSocial.Media.Stats;

namespace IrohSocial.Media.Audio;

/// <summary>
/// Adaptive jitter buffer for 20 ms Opus frames. Arriving frames are queued by sequence with their arrival
/// time (from the <see cref="TimeProvider"/>); the playout side calls <see cref="ReadFrame"/> once per 20 ms on
/// its own clock, independent of arrivals. The target delay covers a high percentile of the recent jitter
/// (bounded by <see cref="JitterBufferOptions.MinDelay"/> and <see cref="JitterBufferOptions.MaxDelay"/>); the
/// buffer grows by inserting a concealment frame and drains by skipping a frame when the link calms down.
/// Gaps are filled by the decoder: FEC from the next packet when it is here, Opus PLC otherwise. Frames that
/// arrive after their playout time are dropped. Thread-safe: arrivals and playout may run on different threads.
/// </summary>
internal sealed class AdaptiveJitterBuffer
{
    private const double FrameMs = AudioFormat.FrameDurationMilliseconds;

    private readonly OpusAudioDecoder _decoder;
    private readonly JitterBufferOptions _options;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly Lock _lock = new();
    private readonly SortedList<long, Entry> _frames = [];
    private readonly Queue<double> _transits = new();
    private readonly short[] _scratch = new short[AudioFormat.SamplesPerFrame];
    private readonly int _capacity;

    private bool _started;
    private bool _justStarted;
    private long _nextSequence;
    private double _minTransitMs;
    private double _targetMs;
    private double _currentDelayMs;
    private double _jitterMs;
    private long _lastArrivalSequence = -1;
    private double _lastArrivalMs;
    private long _firstSequence = -1;
    private long _highestSequence = -1;
    private int _consecutiveLate;
    private int _sinceDrain;
    // Fast attack: the delay a late frame would have needed, held for one window of arrivals. The percentile alone
    // moves only once 2 % of the window is late, so a step up in the path's delay (a queue filling on a throttled
    // link) used to cost several frames before the target followed; now it costs the first one.
    private double _lateHoldMs;
    private long _lateHoldUntil;

    private long _received, _late, _duplicate, _discarded, _decoded, _fec, _concealed, _stretched, _drained, _idle;

    /// <summary>Creates a jitter buffer that plays through <paramref name="decoder"/>.</summary>
    /// <param name="decoder">Decodes, conceals and recovers frames; used only from <see cref="ReadFrame"/>.</param>
    /// <param name="options">Delay bounds and adaptation; <see cref="JitterBufferOptions.Default"/> when null.</param>
    /// <param name="timeProvider">Clock for arrival and playout times; <see cref="TimeProvider.System"/> when null.</param>
    public AdaptiveJitterBuffer(OpusAudioDecoder decoder, JitterBufferOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        _options = options ?? JitterBufferOptions.Default;
        _options.Validate();
        _decoder = decoder;
        _time = timeProvider ?? TimeProvider.System;
        _origin = _time.GetTimestamp();
        _targetMs = Math.Clamp(_options.SafetyMargin.TotalMilliseconds, _options.MinDelay.TotalMilliseconds, _options.MaxDelay.TotalMilliseconds);
        // Room for the largest delay twice over plus a second of frames that raced ahead.
        _capacity = (int)(2 * _options.MaxDelay.TotalMilliseconds / FrameMs) + 50;
    }

    /// <summary>The delay the buffer currently aims for.</summary>
    public TimeSpan TargetDelay
    {
        get
        {
            lock (_lock)
            {
                return TimeSpan.FromMilliseconds(_targetMs);
            }
        }
    }

    /// <summary>Whether playout has started (the first frames filled the buffer to the target delay).</summary>
    public bool IsPlaying
    {
        get
        {
            lock (_lock)
            {
                return _started;
            }
        }
    }

    /// <summary>Queues an arriving frame; the arrival time is read from the clock now.</summary>
    /// <param name="sequence">Frame sequence number.</param>
    /// <param name="timestampMicroseconds">Sender capture timestamp (reported back with the played frame).</param>
    /// <param name="packet">The Opus packet (kept, not copied).</param>
    /// <returns>Whether the frame was queued or why it was dropped.</returns>
    public JitterBufferInsertResult Insert(uint sequence, ulong timestampMicroseconds, ReadOnlyMemory<byte> packet)
    {
        lock (_lock)
        {
            double now = NowMs();
            if (_frames.ContainsKey(sequence))
            {
                _duplicate++;
                return JitterBufferInsertResult.Duplicate;
            }

            TrackArrival(sequence, now);
            if (_started && sequence < _nextSequence)
            {
                _late++;
                HoldDelayFor(sequence, now);
                if (++_consecutiveLate < _options.ResyncAfterLateFrames)
                {
                    return JitterBufferInsertResult.Late;
                }

                // Every recent frame is late: the sender's timeline jumped. Start over from this frame.
                Restart(sequence, now);
            }

            _consecutiveLate = 0;
            _frames[sequence] = new Entry(timestampMicroseconds, packet);
            if (_frames.Count > _capacity)
            {
                _frames.RemoveAt(0);
                _discarded++;
            }

            return JitterBufferInsertResult.Accepted;
        }
    }

    /// <summary>Produces the next 20 ms of playout; call exactly once per frame period on the playout clock.</summary>
    /// <param name="pcm">Receives <see cref="AudioFormat.SamplesPerFrame"/> samples (silence while <see cref="PlayoutKind.Idle"/>).</param>
    /// <returns>How the frame was made.</returns>
    public PlayoutFrame ReadFrame(Span<short> pcm) => ReadFrameDueAt(pcm, _time.GetTimestamp());

    /// <summary>
    /// <see cref="ReadFrame"/> for a playout tick due at <paramref name="dueTimestamp"/> (a <see cref="TimeProvider"/>
    /// timestamp). A playout loop that woke up late judges the buffer at the tick's due time, so a stall of the loop
    /// does not look like a buffer grown too deep (which would drain a frame, then stretch one back).
    /// </summary>
    internal PlayoutFrame ReadFrameDueAt(Span<short> pcm, long dueTimestamp)
    {
        if (pcm.Length < AudioFormat.SamplesPerFrame)
        {
            throw new ArgumentException($"A frame needs {AudioFormat.SamplesPerFrame} samples.", nameof(pcm));
        }

        pcm = pcm[..AudioFormat.SamplesPerFrame];
        lock (_lock)
        {
            double now = Math.Min(NowMs(), _time.GetElapsedTime(_origin, dueTimestamp).TotalMilliseconds);
            if (!_started && !TryStart(now))
            {
                _idle++;
                pcm.Clear();
                return new PlayoutFrame(PlayoutKind.Idle, 0, null);
            }

            _currentDelayMs = now - (_nextSequence * FrameMs) - _minTransitMs;
            bool firstTick = _justStarted;
            _justStarted = false;
            if (!firstTick && _currentDelayMs < _targetMs - 0.5)
            {
                // Jitter rose: play one concealment frame without advancing, which adds a frame of delay.
                _decoder.Conceal(pcm);
                _stretched++;
                _currentDelayMs += FrameMs;
                return new PlayoutFrame(PlayoutKind.Stretched, (uint)_nextSequence, null);
            }

            TryDrain();
            return PlayNext(pcm);
        }
    }

    /// <summary>Copies the counters and delay figures.</summary>
    /// <returns>A snapshot.</returns>
    public JitterBufferSnapshot GetSnapshot()
    {
        lock (_lock)
        {
            return new JitterBufferSnapshot
            {
                ReceivedFrames = _received,
                LateFrames = _late,
                DuplicateFrames = _duplicate,
                DiscardedFrames = _discarded,
                ExpectedFrames = _highestSequence < 0 ? 0 : _highestSequence - _firstSequence + 1,
                DecodedFrames = _decoded,
                FecRecoveredFrames = _fec,
                ConcealedFrames = _concealed,
                StretchedFrames = _stretched,
                DrainedFrames = _drained,
                IdleFrames = _idle,
                Jitter = TimeSpan.FromMilliseconds(_jitterMs),
                TargetDelay = TimeSpan.FromMilliseconds(_targetMs),
                CurrentDelay = TimeSpan.FromMilliseconds(Math.Max(0, _currentDelayMs)),
            };
        }
    }

    /// <summary>Number of frames queued and not yet played.</summary>
    public int BufferedFrames
    {
        get
        {
            lock (_lock)
            {
                return _frames.Count;
            }
        }
    }

    private double NowMs() => _time.GetElapsedTime(_origin).TotalMilliseconds;

    private void TrackArrival(long sequence, double now)
    {
        _received++;
        if (_firstSequence < 0 || sequence < _firstSequence)
        {
            _firstSequence = sequence;
        }

        _highestSequence = Math.Max(_highestSequence, sequence);

        // RFC 3550 interarrival jitter, using the frame index as the media clock.
        if (_lastArrivalSequence >= 0)
        {
            double d = (now - _lastArrivalMs) - ((sequence - _lastArrivalSequence) * FrameMs);
            _jitterMs += (Math.Abs(d) - _jitterMs) / 16;
        }

        _lastArrivalSequence = sequence;
        _lastArrivalMs = now;

        // Transit = arrival minus the frame's place on the media clock; its spread is the jitter to absorb.
        _transits.Enqueue(now - (sequence * FrameMs));
        while (_transits.Count > _options.WindowFrames)
        {
            _transits.Dequeue();
        }

        RecomputeTarget();
    }

    private void RecomputeTarget()
    {
        double[] transits = [.. _transits];
        Array.Sort(transits);
        _minTransitMs = transits[0];
        int index = (int)Math.Ceiling(_options.JitterPercentile * transits.Length) - 1;
        double jitter = transits[Math.Clamp(index, 0, transits.Length - 1)] - _minTransitMs;
        if (_received >= _lateHoldUntil)
        {
            _lateHoldMs = 0;
        }

        _targetMs = Math.Clamp(
            Math.Max(jitter + _options.SafetyMargin.TotalMilliseconds, _lateHoldMs),
            _options.MinDelay.TotalMilliseconds,
            _options.MaxDelay.TotalMilliseconds);
    }

    /// <summary>A frame came after its playout time: aim at once for the delay it needed, for the next window of arrivals.</summary>
    private void HoldDelayFor(long sequence, double now)
    {
        double needed = now - (sequence * FrameMs) - _minTransitMs + _options.SafetyMargin.TotalMilliseconds;
        _lateHoldMs = Math.Max(_lateHoldMs, needed);
        _lateHoldUntil = _received + _options.WindowFrames;
        // The arrival already recomputed the window's target: raising it to the hold is what a second sort would give.
        _targetMs = Math.Max(_targetMs, Math.Clamp(_lateHoldMs, _options.MinDelay.TotalMilliseconds, _options.MaxDelay.TotalMilliseconds));
    }

    private bool TryStart(double now)
    {
        if (_frames.Count == 0)
        {
            return false;
        }

        long first = _frames.Keys[0];
        double delay = now - (first * FrameMs) - _minTransitMs;
        if (delay < _targetMs - 0.5)
        {
            return false;
        }

        _started = true;
        _justStarted = true;
        _nextSequence = first;
        _sinceDrain = 0;
        return true;
    }

    private void Restart(long sequence, double now)
    {
        _started = false;
        _frames.Clear();
        _transits.Clear();
        _lastArrivalSequence = -1;
        _consecutiveLate = 0;
        _lateHoldMs = 0;
        _transits.Enqueue(now - (sequence * FrameMs));
        RecomputeTarget();
    }

    private void TryDrain()
    {
        _sinceDrain++;
        bool tooDeep = _currentDelayMs - FrameMs >= _targetMs + _options.DrainHysteresis.TotalMilliseconds;
        if (!tooDeep || _sinceDrain < _options.DrainIntervalFrames
            || !_frames.TryGetValue(_nextSequence, out Entry skipped) || !_frames.ContainsKey(_nextSequence + 1))
        {
            return;
        }

        // Decode and discard rather than drop, so the decoder state stays continuous.
        _decoder.TryDecode(skipped.Packet.Span, _scratch);
        _frames.Remove(_nextSequence);
        _nextSequence++;
        _currentDelayMs -= FrameMs;
        _drained++;
        _sinceDrain = 0;
    }

    private PlayoutFrame PlayNext(Span<short> pcm)
    {
        long sequence = _nextSequence++;
        while (_frames.Count > 0 && _frames.Keys[0] < sequence)
        {
            _frames.RemoveAt(0);
        }

        if (_frames.TryGetValue(sequence, out Entry entry))
        {
            _frames.Remove(sequence);
            if (_decoder.TryDecode(entry.Packet.Span, pcm))
            {
                _decoded++;
                return new PlayoutFrame(PlayoutKind.Decoded, (uint)sequence, entry.TimestampMicroseconds);
            }

            _decoder.Conceal(pcm);
            _concealed++;
            return new PlayoutFrame(PlayoutKind.Concealed, (uint)sequence, null);
        }

        if (_options.UseFec && _frames.TryGetValue(sequence + 1, out Entry next))
        {
            _decoder.DecodeFec(next.Packet.Span, pcm);
            _fec++;
            return new PlayoutFrame(PlayoutKind.FecRecovered, (uint)sequence, null);
        }

        _decoder.Conceal(pcm);
        _concealed++;
        return new PlayoutFrame(PlayoutKind.Concealed, (uint)sequence, null);
    }

    private readonly record struct Entry(ulong TimestampMicroseconds, ReadOnlyMemory<byte> Packet);
}
