using IrohSocial.Crypto;
using IrohSocial.Media.Stats;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Media.Calls;

/// <summary>Something that happened to a call.</summary>
/// <param name="CallId">The call.</param>
/// <param name="Peer">The other side.</param>
public abstract record CallEvent(string CallId, EndpointId Peer);

/// <summary>A peer is calling; answer with <see cref="CallManager.AnswerAsync"/> or reject.</summary>
/// <param name="CallId">The call.</param>
/// <param name="Peer">The caller.</param>
/// <param name="Video">Whether the caller offers video.</param>
/// <param name="Call">The ringing call.</param>
public sealed record IncomingCallEvent(string CallId, EndpointId Peer, bool Video, Call Call) : CallEvent(CallId, Peer);

/// <summary>The call was answered (raised on both sides).</summary>
/// <param name="CallId">The call.</param>
/// <param name="Peer">The other side.</param>
public sealed record CallAnsweredEvent(string CallId, EndpointId Peer) : CallEvent(CallId, Peer);

/// <summary>The call ended.</summary>
/// <param name="CallId">The call.</param>
/// <param name="Peer">The other side.</param>
/// <param name="Reason">How it ended (as stored in the history).</param>
/// <param name="Detail">The peer's reason text (e.g. "busy", "declined") or a local explanation, if any.</param>
/// <param name="Duration">Time from answer to end (zero when never answered).</param>
public sealed record CallEndedEvent(string CallId, EndpointId Peer, CallEndReason Reason, string? Detail, TimeSpan Duration) : CallEvent(CallId, Peer);

/// <summary>Fresh statistics of an active call, every <see cref="CallOptions.StatsInterval"/>.</summary>
/// <param name="CallId">The call.</param>
/// <param name="Peer">The other side.</param>
/// <param name="Stats">Audio statistics (RTT, loss, jitter, bitrate, jitter-buffer delay, quality).</param>
/// <param name="Video">Video statistics, when video flows in either direction.</param>
public sealed record CallStatsEvent(string CallId, EndpointId Peer, CallStats Stats, CallVideoStats? Video) : CallEvent(CallId, Peer);

/// <summary>The call's connection-quality level changed (for an indicator; see <see cref="CallStats.Quality"/>).</summary>
/// <param name="CallId">The call.</param>
/// <param name="Peer">The other side.</param>
/// <param name="Previous">The level shown until now.</param>
/// <param name="Quality">The new level.</param>
/// <param name="Stats">The figures that changed it.</param>
public sealed record CallQualityChangedEvent(string CallId, EndpointId Peer, CallQuality Previous, CallQuality Quality, CallStats Stats) : CallEvent(CallId, Peer);

/// <summary>
/// The call's connection was restored (after a drop, a dead path or a network change) and the peer's audio plays again,
/// with the same call id.
/// </summary>
/// <param name="CallId">The call.</param>
/// <param name="Peer">The other side.</param>
/// <param name="AudioGap">From the last audio frame played before the loss to the first after the restore.</param>
/// <param name="Path">The path of the restored connection.</param>
public sealed record CallReconnectedEvent(string CallId, EndpointId Peer, TimeSpan AudioGap, Transport.ConnectionPath Path) : CallEvent(CallId, Peer);

/// <summary>Video statistics of a call.</summary>
/// <param name="SendFramesPerSecond">Frames per second sent.</param>
/// <param name="SendWidth">Width of sent frames.</param>
/// <param name="SendHeight">Height of sent frames.</param>
/// <param name="SendBitrateKbps">Sent video bitrate.</param>
/// <param name="TargetBitrateKbps">The bitrate controller's current target.</param>
/// <param name="ReceiveFramesPerSecond">Frames per second received.</param>
/// <param name="ReceiveWidth">Width of received frames.</param>
/// <param name="ReceiveHeight">Height of received frames.</param>
/// <param name="ReceiveBitrateKbps">Received video bitrate.</param>
public sealed record CallVideoStats(
    double SendFramesPerSecond, int SendWidth, int SendHeight, double SendBitrateKbps, int TargetBitrateKbps,
    double ReceiveFramesPerSecond, int ReceiveWidth, int ReceiveHeight, double ReceiveBitrateKbps);
