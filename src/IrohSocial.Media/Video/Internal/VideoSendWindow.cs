namespace IrohSocial.Media.Video.Internal;

/// <summary>
/// Keeps the sender from queueing video on a congested link. Every buffer between the encoder and the bottleneck
/// (the stream's pipe, the multiplexer's pipe, the kernel's send queue) is bounded, but at a few hundred kbit/s their
/// sum holds seconds of data, and the audio on the same connection waits behind it. So the sender does not wait for
/// backpressure: the receiver acknowledges every complete frame (the low byte of its sequence number on the control
/// stream) and a frame falling due while the oldest unacknowledged one has waited more than <see cref="MaxQueueing"/>
/// beyond the fastest acknowledgement seen (the path's own delay), or while the previous write is still running, is
/// skipped before it is encoded (the reference chain stays whole, so no
/// keyframe is needed). Per stats interval it reports the share of frames skipped, which the bitrate controller reads
/// as congestion, and the video goodput: acknowledged bytes, or bytes the transport took while the peer sends no
/// acknowledgements (an older peer). Thread-safe: the frame loop, the write task and the control reader all call it.
/// </summary>
internal sealed class VideoSendWindow
{
    /// <summary>Queueing delay (beyond the path's own) the video in flight may build before frames are skipped.</summary>
    public static readonly TimeSpan DefaultMaxQueueing = TimeSpan.FromMilliseconds(150);

    /// <summary>After this long without its acknowledgement a frame no longer holds the window.</summary>
    public static readonly TimeSpan AcknowledgementTimeout = TimeSpan.FromSeconds(3);

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Queue<(uint Sequence, int Bytes, long SentAt)> _unacknowledged = new();
    private long _intervalStart;
    private long _writtenBytes;
    private long _acknowledgedBytes;
    private int _sentInInterval;
    private int _skippedInInterval;
    private long _framesSkipped;
    private bool _acknowledgementsSeen;
    private TimeSpan _fastestAcknowledgement = TimeSpan.MaxValue;

    public VideoSendWindow(TimeProvider timeProvider, TimeSpan? maxQueueing = null)
    {
        _time = timeProvider;
        MaxQueueing = maxQueueing ?? DefaultMaxQueueing;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxQueueing, TimeSpan.Zero, nameof(maxQueueing));
        _intervalStart = _time.GetTimestamp();
    }

    public TimeSpan MaxQueueing { get; }

    /// <summary>Frames skipped so far.</summary>
    public long FramesSkipped
    {
        get
        {
            lock (_gate)
            {
                return _framesSkipped;
            }
        }
    }

    /// <summary>Frames sent and not yet acknowledged.</summary>
    public int Unacknowledged
    {
        get
        {
            lock (_gate)
            {
                return _unacknowledged.Count;
            }
        }
    }

    /// <summary>
    /// A frame is due: true to encode and send it, false when it is skipped (and counted) because the previous write
    /// is still running or the oldest unacknowledged frame has queued for more than <see cref="MaxQueueing"/>.
    /// </summary>
    public bool TryAdmitFrame(bool writeInProgress)
    {
        lock (_gate)
        {
            // A frame unacknowledged for much longer than any queue we tolerate had its acknowledgement lost (or the peer
            // stopped sending them): forget it rather than skip forever.
            while (_unacknowledged.TryPeek(out var lost) && _time.GetElapsedTime(lost.SentAt) > AcknowledgementTimeout)
            {
                _unacknowledged.Dequeue();
            }

            var stalled = _acknowledgementsSeen && _unacknowledged.TryPeek(out var oldest)
                && _time.GetElapsedTime(oldest.SentAt) > _fastestAcknowledgement + MaxQueueing;
            if (writeInProgress || stalled)
            {
                _skippedInInterval++;
                _framesSkipped++;
                return false;
            }

            return true;
        }
    }

    /// <summary>A frame was handed to the transport.</summary>
    public void RecordSent(uint sequence, int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            _sentInInterval++;
            _unacknowledged.Enqueue((sequence, bytes, _time.GetTimestamp()));
            if (_unacknowledged.Count > 256)
            {
                _unacknowledged.Dequeue(); // a peer that stopped acknowledging must not grow this without bound
            }
        }
    }

    /// <summary>The transport took a frame's bytes (its write completed).</summary>
    public void RecordWritten(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            _writtenBytes += bytes;
        }
    }

    /// <summary>
    /// The peer received the frame whose sequence number ends in <paramref name="sequenceLowByte"/>: it and every
    /// older frame (the stream is ordered) are no longer in flight. An acknowledgement matching nothing is ignored.
    /// </summary>
    public void OnAcknowledged(byte sequenceLowByte)
    {
        lock (_gate)
        {
            _acknowledgementsSeen = true;
            var position = 0;
            foreach (var frame in _unacknowledged)
            {
                position++;
                if ((byte)frame.Sequence == sequenceLowByte)
                {
                    var delay = _time.GetElapsedTime(frame.SentAt);
                    if (delay < _fastestAcknowledgement)
                    {
                        _fastestAcknowledgement = delay;
                    }

                    for (var i = 0; i < position; i++)
                    {
                        _acknowledgedBytes += _unacknowledged.Dequeue().Bytes;
                    }

                    return;
                }
            }
        }
    }

    /// <summary>A new stream starts: frames of the old one will never be acknowledged.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _unacknowledged.Clear();
        }
    }

    /// <summary>
    /// Ends the interval: the share of due frames that were skipped, and the video goodput over the interval in kbit/s
    /// (acknowledged bytes once the peer acknowledges, else bytes written).
    /// </summary>
    public (double SkippedFraction, double GoodputKbps) TakeSample()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var seconds = _time.GetElapsedTime(_intervalStart, now).TotalSeconds;
            var due = _sentInInterval + _skippedInInterval;
            var bytes = _acknowledgementsSeen ? _acknowledgedBytes : _writtenBytes;
            var sample = (
                due == 0 ? 0 : (double)_skippedInInterval / due,
                seconds <= 0 ? 0 : bytes * 8 / 1000.0 / seconds);
            _intervalStart = now;
            _writtenBytes = 0;
            _acknowledgedBytes = 0;
            _sentInInterval = 0;
            _skippedInInterval = 0;
            return sample;
        }
    }
}
