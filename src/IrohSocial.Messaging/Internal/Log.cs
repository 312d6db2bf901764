using IrohSocial.Crypto;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Messaging.Internal;

/// <summary>Log messages of IrohSocial.Messaging (EventIds 4000-4099). Never logs content or key material.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Information, "DM client {LocalId} started")]
    public static partial void Started(ILogger logger, EndpointId localId);

    [LoggerMessage(4001, LogLevel.Warning, "Rejected envelope stream from {Peer}: {Error} ({Reason})")]
    public static partial void RejectedStream(ILogger logger, EndpointId peer, MessagingError error, string reason);

    [LoggerMessage(4002, LogLevel.Warning, "Envelope from {Peer} did not decrypt (tampered, replayed or unknown session)")]
    public static partial void DecryptFailed(ILogger logger, EndpointId peer);

    [LoggerMessage(4003, LogLevel.Warning, "Session with {Peer} was reset ({Why})")]
    public static partial void SessionReset(ILogger logger, EndpointId peer, string why);

    [LoggerMessage(4004, LogLevel.Debug, "Delivery to {Peer} failed after {Attempts} attempt(s); next try in {Delay}")]
    public static partial void DeliveryFailed(ILogger logger, EndpointId peer, int attempts, TimeSpan delay, Exception exception);

    [LoggerMessage(4005, LogLevel.Debug, "Dropped duplicate message {MessageId} from {Peer}")]
    public static partial void DuplicateDropped(ILogger logger, string messageId, EndpointId peer);

    [LoggerMessage(4006, LogLevel.Warning, "Outbound link to {Peer} failed")]
    public static partial void LinkFailed(ILogger logger, EndpointId peer, Exception exception);

    [LoggerMessage(4007, LogLevel.Error, "An event handler threw; the DM client keeps running")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(4008, LogLevel.Warning, "Connection from {Peer} failed")]
    public static partial void ConnectionFailed(ILogger logger, EndpointId peer, Exception exception);

    [LoggerMessage(4009, LogLevel.Warning, "Ignored {Control} from {Peer}: {Reason}")]
    public static partial void IgnoredControl(ILogger logger, string control, EndpointId peer, string reason);

    [LoggerMessage(4010, LogLevel.Warning, "Outbox worker for {Peer} hit an error")]
    public static partial void WorkerError(ILogger logger, EndpointId peer, Exception exception);

    [LoggerMessage(4011, LogLevel.Warning, "Attachment {AttachmentId} from {Peer} rejected: {Reason}")]
    public static partial void AttachmentRejected(ILogger logger, string attachmentId, EndpointId peer, string reason);

    [LoggerMessage(4012, LogLevel.Warning, "Ignored a decrypt_failed from {Peer} that is not signed by it for us")]
    public static partial void UnsignedDecryptFailed(ILogger logger, EndpointId peer);

    [LoggerMessage(4013, LogLevel.Debug, "Dropped duplicate control {ControlId} from {Peer}")]
    public static partial void DuplicateControlDropped(ILogger logger, string controlId, EndpointId peer);

    [LoggerMessage(4060, LogLevel.Information, "Told {Count} contacts our address ({Direct} direct addresses, relay: {HasRelay})")]
    public static partial void AddressAnnounced(ILogger logger, int count, int direct, bool hasRelay);

    [LoggerMessage(4061, LogLevel.Information, "{Peer} told its address ({Direct} direct addresses, relay: {HasRelay})")]
    public static partial void AddressUpdated(ILogger logger, EndpointId peer, int direct, bool hasRelay);

    [LoggerMessage(4062, LogLevel.Warning, "Ignored an address update from {Peer}: {Reason}")]
    public static partial void AddressUpdateIgnored(ILogger logger, EndpointId peer, string reason);

    [LoggerMessage(4063, LogLevel.Information, "The conversation with {Peer} moved from the relay to a direct path ({Path})")]
    public static partial void WentDirect(ILogger logger, EndpointId peer, ConnectionPath path);

    [LoggerMessage(4064, LogLevel.Information, "No direct path to {Peer}; the conversation stays relayed: {Reason}")]
    public static partial void DirectPathFailed(ILogger logger, EndpointId peer, string reason);

    [LoggerMessage(4065, LogLevel.Debug, "Closed the relayed connection to {Peer} (idle: {Idle})")]
    public static partial void RelayedClosed(ILogger logger, EndpointId peer, bool idle);

    [LoggerMessage(4066, LogLevel.Information, "Our address changed since contacts were last told ({Previous} -> {Current}); telling them")]
    public static partial void AddressChanged(ILogger logger, string previous, string current);

    [LoggerMessage(4075, LogLevel.Warning, "Left out a stored '{Kind}' record whose body no longer decodes ({Error})")]
    public static partial void UnreadableRecord(ILogger logger, string kind, string error);

    [LoggerMessage(4076, LogLevel.Information, "Network changed: dropped {Connections} DM connections; redialling {Peers} outboxes now (address announced: {Announced})")]
    public static partial void NetworkRecovery(ILogger logger, int connections, int peers, bool announced);

    [LoggerMessage(4077, LogLevel.Warning, "Recovering from a network change failed")]
    public static partial void NetworkRecoveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(4078, LogLevel.Information, "The path to {Peer} was reported dead; DM connection dropped: {Dropped}; retrying its outbox now")]
    public static partial void PathDeadReported(ILogger logger, EndpointId peer, bool dropped);

    [LoggerMessage(4092, LogLevel.Debug, "A new direct connection with {Peer} replaced one over {Path}; our envelope link on the old one was failed, its sends are retried on the new one")]
    public static partial void DirectConnectionReplaced(ILogger logger, EndpointId peer, ConnectionPath path);

    [LoggerMessage(4098, LogLevel.Debug, "A new direct connection with {Peer} closed at once (a dial race's loser): the one it replaced is current again")]
    public static partial void ReplacementClosedAtOnce(ILogger logger, EndpointId peer);
}
