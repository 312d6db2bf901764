using System.Text.Json.Serialization;

namespace IrohSocial.Messaging;

/// <summary>Which call signal a <see cref="CallSignal"/> is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CallSignalKind>))]
public enum CallSignalKind
{
    /// <summary>The caller proposes a call (codec, video flag, the caller's media key material).</summary>
    Offer = 0,

    /// <summary>The callee accepts (its media key material).</summary>
    Answer = 1,

    /// <summary>The callee declines (a reason).</summary>
    Reject = 2,

    /// <summary>Either side hangs up (a reason).</summary>
    End = 3,

    /// <summary>A connectivity candidate (reserved; carried opaquely).</summary>
    IceCandidate = 4,
}

/// <summary>
/// A call signal. It travels encrypted through the DM ratchet session like a message and is acknowledged, but
/// it is never queued in the outbox: a call signal for an unreachable peer fails at once.
/// </summary>
/// <param name="CallId">Identifies the call in every signal and media stream.</param>
/// <param name="Kind">What the signal is.</param>
/// <param name="AudioCodec">Audio codec name for Offer/Answer (e.g. <c>opus</c>).</param>
/// <param name="Video">Whether the sender wants video.</param>
/// <param name="MediaKey">Key material for the media encryption (Offer/Answer).</param>
/// <param name="Reason">Why, for Reject/End.</param>
/// <param name="Candidate">Opaque candidate text for IceCandidate.</param>
public sealed record CallSignal(
    string CallId,
    CallSignalKind Kind,
    string? AudioCodec = null,
    bool Video = false,
    byte[]? MediaKey = null,
    string? Reason = null,
    string? Candidate = null);
