namespace IrohSocial.Media.Stats;

/// <summary>
/// Counters and delay figures of the audio jitter buffer (<c>Audio.AdaptiveJitterBuffer</c>) at one moment (totals
/// since creation). Lives with the statistics it feeds, so Stats needs nothing from Audio.
/// </summary>
internal sealed record JitterBufferSnapshot
{
    /// <summary>Distinct frames that arrived (including late ones, excluding duplicates).</summary>
    public long ReceivedFrames { get; init; }

    /// <summary>Frames that arrived after their playout time and were dropped.</summary>
    public long LateFrames { get; init; }

    /// <summary>Frames that arrived twice.</summary>
    public long DuplicateFrames { get; init; }

    /// <summary>Frames dropped because the buffer was full.</summary>
    public long DiscardedFrames { get; init; }

    /// <summary>Frames the sender produced as far as this side can tell: highest minus first sequence plus one.</summary>
    public long ExpectedFrames { get; init; }

    /// <summary>Frames played from their own packet.</summary>
    public long DecodedFrames { get; init; }

    /// <summary>Lost frames decoded through the FEC path (rebuilt from the next packet's FEC when it carries some).</summary>
    public long FecRecoveredFrames { get; init; }

    /// <summary>Lost frames filled with packet-loss concealment.</summary>
    public long ConcealedFrames { get; init; }

    /// <summary>Concealment frames inserted to grow the delay.</summary>
    public long StretchedFrames { get; init; }

    /// <summary>
    /// Every frame played out of packet-loss concealment: <see cref="ConcealedFrames"/> (lost, late or unreadable) plus
    /// <see cref="StretchedFrames"/> (inserted to grow the delay). The one concealment figure statistics and call
    /// counters report.
    /// </summary>
    public long PlayedConcealmentFrames => ConcealedFrames + StretchedFrames;

    /// <summary>Frames skipped to shrink the delay after jitter fell.</summary>
    public long DrainedFrames { get; init; }

    /// <summary>Playout ticks before playout started.</summary>
    public long IdleFrames { get; init; }

    /// <summary>Interarrival jitter (RFC 3550 estimator).</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>The delay the buffer currently aims for.</summary>
    public TimeSpan TargetDelay { get; init; }

    /// <summary>How long the fastest recent frame waits before playout at the current schedule.</summary>
    public TimeSpan CurrentDelay { get; init; }
}
