namespace IrohSocial.Media.Calls;

/// <summary>Running totals of a call, summed over every connection it used.</summary>
/// <param name="AudioFramesSent">Audio frames sent.</param>
/// <param name="AudioFramesPlayed">Audio frames written to the sink (decoded or concealed).</param>
/// <param name="ConcealedFrames">
/// Audio frames played out of packet-loss concealment (lost, late, unreadable, or inserted to grow the jitter buffer);
/// the same running total the call's <see cref="Stats.CallStats.ConcealedFrames"/> reports.
/// </param>
/// <param name="VideoFramesSent">Video frames sent.</param>
/// <param name="VideoFramesDecoded">Video frames received and decoded.</param>
/// <param name="LatencyP50">Median capture-to-playout audio delay, when known.</param>
/// <param name="LatencyP95">95th percentile capture-to-playout audio delay, when known.</param>
/// <param name="VideoFramesSkipped">Video frames the sender skipped because the link had not yet taken the previous one.</param>
/// <param name="KeyframeRequestsSent">Keyframe requests this side sent (after a gap, an undecodable frame or a bad seal).</param>
/// <param name="KeyframeRequestsReceived">Keyframe requests the peer sent to this side.</param>
/// <param name="KeyframeRequestsHonoured">Peer keyframe requests this side answered with a keyframe.</param>
public sealed record CallCounters(
    long AudioFramesSent,
    long AudioFramesPlayed,
    long ConcealedFrames,
    long VideoFramesSent,
    long VideoFramesDecoded,
    TimeSpan? LatencyP50,
    TimeSpan? LatencyP95,
    long VideoFramesSkipped = 0,
    long KeyframeRequestsSent = 0,
    long KeyframeRequestsReceived = 0,
    long KeyframeRequestsHonoured = 0);
