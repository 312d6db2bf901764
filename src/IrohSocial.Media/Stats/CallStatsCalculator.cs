
namespace IrohSocial.Media.Stats;

/// <summary>
/// Accumulates what the audio sender and receiver of one call observe (bytes, round trips, playout
/// latencies, reports from the peer) and turns it into <see cref="CallStats"/> per interval.
/// Thread-safe: the sender and receiver loops feed it concurrently.
/// </summary>
internal sealed class CallStatsCalculator
{
    /// <summary>How many recent playout latencies the percentiles cover (10 s of audio).</summary>
    public const int LatencyWindow = 500;

    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly Lock _lock = new();
    private readonly Queue<double> _latenciesMs = new();
    private long _bytesSent, _bytesReceived;
    private long _lastBytesSent, _lastBytesReceived, _lastExpected, _lastReceived;
    private long _lastComputeTimestamp;
    private double? _rttMs;
    private double? _remoteLoss;

    /// <summary>Creates a calculator; the call timer starts now.</summary>
    /// <param name="timeProvider">Clock; <see cref="TimeProvider.System"/> when null.</param>
    public CallStatsCalculator(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _start = _time.GetTimestamp();
        _lastComputeTimestamp = _start;
    }

    /// <summary>Counts bytes of media sent.</summary>
    /// <param name="bytes">Wire bytes.</param>
    public void RecordBytesSent(int bytes) => Interlocked.Add(ref _bytesSent, bytes);

    /// <summary>Counts bytes of media received.</summary>
    /// <param name="bytes">Wire bytes.</param>
    public void RecordBytesReceived(int bytes) => Interlocked.Add(ref _bytesReceived, bytes);

    /// <summary>Adds a round-trip sample, smoothed like TCP's SRTT (alpha 1/8).</summary>
    /// <param name="roundTrip">The measured round trip.</param>
    public void RecordRoundTrip(TimeSpan roundTrip)
    {
        lock (_lock)
        {
            double ms = Math.Max(0, roundTrip.TotalMilliseconds);
            _rttMs = _rttMs is double previous ? previous + ((ms - previous) / 8) : ms;
        }
    }

    /// <summary>Records the loss the peer reported for our outgoing stream.</summary>
    /// <param name="lossFraction">0-1.</param>
    public void RecordRemoteLoss(double lossFraction)
    {
        lock (_lock)
        {
            _remoteLoss = Math.Clamp(lossFraction, 0, 1);
        }
    }

    /// <summary>Adds the capture-to-playout latency of one played frame.</summary>
    /// <param name="latency">Local playout time minus the frame's capture timestamp.</param>
    public void RecordPlayoutLatency(TimeSpan latency)
    {
        lock (_lock)
        {
            _latenciesMs.Enqueue(latency.TotalMilliseconds);
            while (_latenciesMs.Count > LatencyWindow)
            {
                _latenciesMs.Dequeue();
            }
        }
    }

    /// <summary>Latest smoothed round-trip time, or null before the first sample.</summary>
    public TimeSpan? RoundTripTime
    {
        get
        {
            lock (_lock)
            {
                return _rttMs is double ms ? TimeSpan.FromMilliseconds(ms) : null;
            }
        }
    }

    /// <summary>Computes the figures since the previous call (bitrates, interval loss) and totals.</summary>
    /// <param name="playout">The receiving jitter buffer's counters; null on a send-only side.</param>
    /// <param name="rejectedFrames">Frames the frame opener dropped so far.</param>
    /// <returns>The statistics.</returns>
    public CallStats Compute(JitterBufferSnapshot? playout, long rejectedFrames = 0)
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            double seconds = _time.GetElapsedTime(_lastComputeTimestamp, now).TotalSeconds;
            long sent = Interlocked.Read(ref _bytesSent), received = Interlocked.Read(ref _bytesReceived);
            long expected = playout?.ExpectedFrames ?? 0, arrived = playout?.ReceivedFrames ?? 0;

            double intervalLoss = Loss(expected - _lastExpected, arrived - _lastReceived);
            double totalLoss = Loss(expected, arrived);
            TimeSpan jitter = playout?.Jitter ?? TimeSpan.Zero;
            double[] latencies = [.. _latenciesMs];
            Array.Sort(latencies);

            var stats = new CallStats
            {
                Timestamp = _time.GetUtcNow(),
                Elapsed = _time.GetElapsedTime(_start, now),
                RoundTripTime = _rttMs is double rtt ? TimeSpan.FromMilliseconds(rtt) : null,
                LossFraction = intervalLoss,
                TotalLossFraction = totalLoss,
                RemoteLossFraction = _remoteLoss,
                Jitter = jitter,
                SendBitrate = seconds > 0 ? (sent - _lastBytesSent) * 8 / seconds : 0,
                ReceiveBitrate = seconds > 0 ? (received - _lastBytesReceived) * 8 / seconds : 0,
                JitterBufferDelay = playout?.CurrentDelay ?? TimeSpan.Zero,
                JitterBufferTarget = playout?.TargetDelay ?? TimeSpan.Zero,
                Counters = new CallCounters
                {
                    ConcealedFrames = playout?.PlayedConcealmentFrames ?? 0,
                    FecRecoveredFrames = playout?.FecRecoveredFrames ?? 0,
                    LateFrames = playout?.LateFrames ?? 0,
                    RejectedFrames = rejectedFrames,
                },
                LatencyP50 = latencies.Length == 0 ? null : TimeSpan.FromMilliseconds(Percentile(latencies, 0.50)),
                LatencyP95 = latencies.Length == 0 ? null : TimeSpan.FromMilliseconds(Percentile(latencies, 0.95)),
                LatencyP99 = latencies.Length == 0 ? null : TimeSpan.FromMilliseconds(Percentile(latencies, 0.99)),
                Quality = Classify(Math.Max(intervalLoss, _remoteLoss ?? 0), jitter, _rttMs is double r ? TimeSpan.FromMilliseconds(r) : null),
            };

            _lastComputeTimestamp = now;
            _lastBytesSent = sent;
            _lastBytesReceived = received;
            _lastExpected = expected;
            _lastReceived = arrived;
            return stats;
        }
    }

    /// <summary>
    /// Maps loss, jitter and round-trip time to a quality level. Good: loss under 2 %, jitter under 30 ms and
    /// RTT under 300 ms. Poor: loss over 10 %, jitter over 80 ms or RTT over 600 ms. Fair otherwise.
    /// </summary>
    /// <param name="lossFraction">Loss, 0-1.</param>
    /// <param name="jitter">Interarrival jitter.</param>
    /// <param name="roundTripTime">Round-trip time, if known.</param>
    /// <returns>The quality level.</returns>
    public static CallQuality Classify(double lossFraction, TimeSpan jitter, TimeSpan? roundTripTime) =>
        Classify(lossFraction, jitter, roundTripTime, 0);

    /// <summary>
    /// Maps loss, jitter, round-trip time and concealment to a quality level. Good: loss under 2 %, jitter under
    /// 30 ms, RTT under 300 ms and under 2 % of played audio concealed. Poor: loss over 10 %, jitter over 80 ms, RTT
    /// over 600 ms or over 10 % concealed. Fair otherwise. (Concealment counts what the listener hears: loss that
    /// FEC did not repair, late frames and buffer growth.)
    /// </summary>
    /// <param name="lossFraction">Loss, 0-1.</param>
    /// <param name="jitter">Interarrival jitter.</param>
    /// <param name="roundTripTime">Round-trip time, if known.</param>
    /// <param name="concealedFraction">Share of played frames that were concealment, 0-1.</param>
    /// <returns>The quality level.</returns>
    public static CallQuality Classify(double lossFraction, TimeSpan jitter, TimeSpan? roundTripTime, double concealedFraction)
    {
        double rtt = roundTripTime?.TotalMilliseconds ?? 0;
        if (lossFraction > 0.10 || jitter.TotalMilliseconds > 80 || rtt > 600 || concealedFraction > 0.10)
        {
            return CallQuality.Poor;
        }

        return lossFraction < 0.02 && jitter.TotalMilliseconds < 30 && rtt < 300 && concealedFraction < 0.02 ? CallQuality.Good : CallQuality.Fair;
    }

    private static double Loss(long expected, long received) =>
        expected <= 0 ? 0 : Math.Clamp(1 - ((double)received / expected), 0, 1);

    private static double Percentile(double[] sorted, double p)
    {
        int index = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}
