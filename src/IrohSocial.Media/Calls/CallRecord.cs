using IrohSocial.Crypto;

namespace IrohSocial.Media.Calls;

/// <summary>Who started a call.</summary>
public enum CallDirection
{
    /// <summary>The local user called the peer.</summary>
    Outgoing = 0,

    /// <summary>The peer called the local user.</summary>
    Incoming = 1,
}

/// <summary>How a call ended.</summary>
public enum CallEndReason
{
    /// <summary>Answered and hung up normally.</summary>
    Completed = 0,

    /// <summary>The callee declined.</summary>
    Rejected = 1,

    /// <summary>Nobody answered.</summary>
    Missed = 2,

    /// <summary>A network or media error ended it.</summary>
    Failed = 3,
}

/// <summary>One entry of the call history (<see cref="CallManager.GetHistoryAsync(int, DateTimeOffset?, CancellationToken)"/>).</summary>
/// <param name="CallId">Call id from the Offer.</param>
/// <param name="Peer">The other participant.</param>
/// <param name="Direction">Who called.</param>
/// <param name="StartedAt">When the call was offered.</param>
/// <param name="Duration">Time between answer and end (zero when never answered).</param>
/// <param name="HadVideo">Whether video was on at any point.</param>
/// <param name="EndedReason">How it ended.</param>
public sealed record CallRecord(
    string CallId,
    EndpointId Peer,
    CallDirection Direction,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    bool HadVideo,
    CallEndReason EndedReason);
