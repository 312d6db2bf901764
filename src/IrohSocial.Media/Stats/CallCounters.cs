namespace IrohSocial.Media.Stats;

/// <summary>
/// Running totals of a call, summed over every connection it used: the one counters type of the SDK.
/// <see cref="Calls.Call.Counters"/> reports them whole; every <see cref="CallStats"/> carries them as
/// <see cref="CallStats.Counters"/> (from a bare statistics calculator only the received-audio ones are filled).
/// </summary>
public sealed record CallCounters
{
    /// <summary>Audio frames sent.</summary>
    public long AudioFramesSent { get; init; }

    /// <summary>Audio frames written to the sink (decoded or concealed).</summary>
    public long AudioFramesPlayed { get; init; }

    /// <summary>
    /// Audio frames played out of packet-loss concealment (lost, late, unreadable, or inserted to grow the jitter
    /// buffer).
    /// </summary>
    public long ConcealedFrames { get; init; }

    /// <summary>Lost audio frames rebuilt from in-band FEC.</summary>
    public long FecRecoveredFrames { get; init; }

    /// <summary>Audio frames that arrived too late to play.</summary>
    public long LateFrames { get; init; }

    /// <summary>Audio frames dropped before the jitter buffer (wrong key or call, replayed, malformed).</summary>
    public long RejectedFrames { get; init; }

    /// <summary>Video frames sent.</summary>
    public long VideoFramesSent { get; init; }

    /// <summary>Video frames received and decoded.</summary>
    public long VideoFramesDecoded { get; init; }

    /// <summary>Video frames the sender skipped because the link had not yet taken the previous one.</summary>
    public long VideoFramesSkipped { get; init; }

    /// <summary>Keyframe requests this side sent (after a gap, an undecodable frame or a bad seal).</summary>
    public long KeyframeRequestsSent { get; init; }

    /// <summary>Keyframe requests the peer sent to this side.</summary>
    public long KeyframeRequestsReceived { get; init; }

    /// <summary>Peer keyframe requests this side answered with a keyframe.</summary>
    public long KeyframeRequestsHonoured { get; init; }
}
