using IrohSocial.Transport;

namespace IrohSocial.Media.Stats;

/// <summary>Live statistics of one call direction pair, produced about once a second.</summary>
public sealed record CallStats
{
    /// <summary>When the figures were taken.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Time since the statistics started (the call timer).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Latest smoothed round-trip time from receiver reports; null until the first report.</summary>
    public TimeSpan? RoundTripTime { get; init; }

    /// <summary>Share of incoming frames lost over the last interval (0-1).</summary>
    public double LossFraction { get; init; }

    /// <summary>Share of incoming frames lost since the start (0-1).</summary>
    public double TotalLossFraction { get; init; }

    /// <summary>Loss the peer reported for our outgoing audio (0-1); null until the first report.</summary>
    public double? RemoteLossFraction { get; init; }

    /// <summary>Interarrival jitter of incoming frames (RFC 3550 estimator).</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Outgoing media bitrate over the last interval, bits per second (headers and tags included).</summary>
    public double SendBitrate { get; init; }

    /// <summary>Incoming media bitrate over the last interval, bits per second (headers and tags included).</summary>
    public double ReceiveBitrate { get; init; }

    /// <summary>Current jitter-buffer delay.</summary>
    public TimeSpan JitterBufferDelay { get; init; }

    /// <summary>Jitter-buffer target delay.</summary>
    public TimeSpan JitterBufferTarget { get; init; }

    /// <summary>
    /// Running totals: in a call's statistics the call's own (<see cref="Calls.Call.Counters"/>, over all its
    /// connections); from a bare calculator the received-audio ones of that receiver (concealed, FEC-recovered, late
    /// and rejected frames; concealment counts every frame played out of it, see
    /// <see cref="JitterBufferSnapshot.PlayedConcealmentFrames"/>).
    /// </summary>
    public CallCounters Counters { get; init; } = new();

    /// <summary>Median capture-to-playout latency over recent frames (sender timestamp to local playout); null before playout.</summary>
    public TimeSpan? LatencyP50 { get; init; }

    /// <summary>95th percentile capture-to-playout latency over recent frames; null before playout.</summary>
    public TimeSpan? LatencyP95 { get; init; }

    /// <summary>99th percentile capture-to-playout latency over recent frames (the tail a listener notices); null before playout.</summary>
    public TimeSpan? LatencyP99 { get; init; }

    /// <summary>
    /// Share of played audio that was concealment over the last interval (0-1). Set in a call's statistics
    /// (<see cref="Calls.Call.LatestStats"/>, <see cref="Calls.CallStatsEvent"/>); 0 from a bare calculator.
    /// </summary>
    public double ConcealmentFraction { get; init; }

    /// <summary>
    /// The quality level. From a bare <see cref="CallStatsCalculator"/>: this interval's loss, jitter and RTT mapped by
    /// <see cref="CallStatsCalculator.Classify(double, TimeSpan, TimeSpan?)"/>. In a call's statistics: the call's
    /// level, which also weighs <see cref="ConcealmentFraction"/> and is smoothed (worse at once, better after three
    /// better intervals in a row); each change is also raised as <see cref="Calls.CallQualityChangedEvent"/>.
    /// </summary>
    public CallQuality Quality { get; init; }

    /// <summary>
    /// The path carrying the call's media right now: direct (<see cref="ConnectionPath.Quic"/>, <see cref="ConnectionPath.Tcp"/>)
    /// or through a relay (<see cref="ConnectionPath.Relay"/>). Set in a call's statistics; null from a bare calculator.
    /// </summary>
    public ConnectionPath? Path { get; init; }

    /// <summary>
    /// How many times the call's connection was restored so far (after it dropped, went silent past
    /// <see cref="Calls.CallOptions.DeadPathTimeout"/>, or the network changed). Set in a call's statistics.
    /// </summary>
    public int Reconnections { get; init; }

    /// <summary>
    /// The audio gap of the last restore: from the last frame decoded from the peer's audio before the connection was
    /// lost to the first one after it was restored (at the resolution of the call's watchdog, 50 ms). Null until a
    /// restore brought audio back; also raised as <see cref="Calls.CallReconnectedEvent"/>.
    /// </summary>
    public TimeSpan? LastReconnectionGap { get; init; }
}
