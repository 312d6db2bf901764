using IrohSocial.Crypto;
using IrohSocial.Media.Calls.Internal;
using IrohSocial.Media.Stats;

namespace IrohSocial.Media.Calls;

/// <summary>One voice (and maybe video) call, from the offer to its end. Created by <see cref="CallManager"/>.</summary>
public sealed class Call
{
    internal Call(CallCore core) => Core = core;

    /// <summary>The call id (a UUID string, as in the Offer).</summary>
    public string Id => Core.Id;

    /// <summary>The other side.</summary>
    public EndpointId Peer => Core.Peer;

    /// <summary>Whether this side placed or received the call.</summary>
    public CallDirection Direction => Core.Direction;

    /// <summary>Ringing, active or ended.</summary>
    public CallState State => Core.State;

    /// <summary>When the call was offered (or the offer arrived).</summary>
    public DateTimeOffset StartedAt => Core.StartedAt;

    /// <summary>Mute: silence (DTX) is sent instead of the source; the stream and statistics stay alive.</summary>
    public bool Muted
    {
        get => Core.Muted;
        set => Core.Muted = value;
    }

    /// <summary>Whether this side sends video right now.</summary>
    public bool VideoEnabled => Core.VideoEnabled;

    /// <summary>Whether the peer says its video is on (from its control messages).</summary>
    public bool PeerVideoEnabled => Core.PeerVideoEnabled;

    /// <summary>Whether the peer offered (caller) or anyone used video so far; stored as had_video.</summary>
    public bool HadVideo => Core.HadVideo;

    /// <summary>Time since the answer (the call timer); zero while ringing, frozen once ended.</summary>
    public TimeSpan Elapsed => Core.Elapsed;

    /// <summary>The latest audio statistics (every <see cref="CallOptions.StatsInterval"/>), or null before the first.</summary>
    public CallStats? LatestStats => Core.LatestStats;

    /// <summary>The latest video statistics, or null when no video flowed.</summary>
    public CallVideoStats? LatestVideoStats => Core.LatestVideoStats;

    /// <summary>Running totals over the whole call.</summary>
    public CallCounters Counters => Core.Counters;

    /// <summary>Completes with the end reason when the call is over (its history row is written by then).</summary>
    public Task<CallEndReason> Completion => Core.Completion;

    /// <summary>
    /// Completes when the peer's audio stream ended normally and everything received was played (for example,
    /// the peer's file source ran out).
    /// </summary>
    public Task ReceivedAudioEnded => Core.ReceivedAudioEnded;

    internal CallCore Core { get; }

    /// <summary>Turns this side's video on or off mid-call; the peer sees the stream stop or resume.</summary>
    /// <exception cref="InvalidOperationException">Turning video on without a <see cref="CallMedia.VideoSource"/>, or the call has ended.</exception>
    public Task SetVideoEnabledAsync(bool enabled, CancellationToken cancellationToken = default) =>
        Core.SetVideoEnabledAsync(enabled, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => Core.ToString();
}
