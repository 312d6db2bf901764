using System.Net;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Transport.Internal;

/// <summary>Transport log messages (EventIds 3000-3099). Never logs key material or payloads.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Endpoint {EndpointId} listening on {Paths} ({Reason})")]
    public static partial void Bound(ILogger logger, string endpointId, string paths, string reason);

    [LoggerMessage(3001, LogLevel.Debug, "Connected to {RemoteId} at {RemoteAddress} with ALPN {Alpn}")]
    public static partial void Connected(ILogger logger, string remoteId, IPEndPoint remoteAddress, string alpn);

    [LoggerMessage(3002, LogLevel.Debug, "Accepted {RemoteId} from {RemoteAddress} with ALPN {Alpn}")]
    public static partial void Accepted(ILogger logger, string remoteId, IPEndPoint remoteAddress, string alpn);

    [LoggerMessage(3003, LogLevel.Information, "Refused inbound connection from {RemoteAddress}: {Reason}")]
    public static partial void Refused(ILogger logger, IPEndPoint? remoteAddress, string reason);

    [LoggerMessage(3004, LogLevel.Debug, "Inbound handshake from {RemoteAddress} failed: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, IPEndPoint? remoteAddress, string reason);

    [LoggerMessage(3005, LogLevel.Debug, "Connection to {RemoteId} closed: {Error} code {Code} ({Reason})")]
    public static partial void ConnectionClosed(ILogger logger, string remoteId, TransportError error, long? code, string reason);

    [LoggerMessage(3006, LogLevel.Warning, "Connection to {RemoteId} closed for a protocol violation: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, string remoteId, string reason);

    [LoggerMessage(3007, LogLevel.Warning, "Dial over {Path} to {Candidate} failed: {Reason}")]
    public static partial void DialAttemptFailed(ILogger logger, ConnectionPath path, string candidate, string reason);

    [LoggerMessage(3008, LogLevel.Debug, "Dial of {RemoteId} won by {Path} at {RemoteAddress}")]
    public static partial void DialWon(ILogger logger, string remoteId, ConnectionPath path, IPEndPoint remoteAddress);

    [LoggerMessage(3009, LogLevel.Warning, "QUIC is not available to this endpoint ({Reason}); listening on TCP/TLS only")]
    public static partial void QuicUnavailable(ILogger logger, string reason);

    [LoggerMessage(3016, LogLevel.Information, "QUIC uses msquic {Version}")]
    public static partial void MsQuicInUse(ILogger logger, string version);

    [LoggerMessage(3010, LogLevel.Information, "Router serving ALPN {Alpn}")]
    public static partial void RouterServing(ILogger logger, string alpn);

    [LoggerMessage(3011, LogLevel.Warning, "Router refused connection from {RemoteId}: no handler for ALPN {Alpn}")]
    public static partial void RouterNoHandler(ILogger logger, string remoteId, string alpn);

    [LoggerMessage(3012, LogLevel.Warning, "Protocol handler for {Alpn} failed on a connection from {RemoteId}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string alpn, string remoteId);

    [LoggerMessage(3013, LogLevel.Warning, "Router accept loop stopped unexpectedly")]
    public static partial void AcceptLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(3014, LogLevel.Information, "Router shut down; {Remaining} connection handlers did not finish within the grace period")]
    public static partial void RouterShutdown(ILogger logger, int remaining);

    [LoggerMessage(3015, LogLevel.Warning, "Protocol handler for {Alpn} failed to shut down")]
    public static partial void HandlerShutdownFailed(ILogger logger, Exception exception, string alpn);

    [LoggerMessage(3017, LogLevel.Information, "Network changed: direct addresses {Addresses} ({Change}); registering on relays again")]
    public static partial void NetworkChanged(ILogger logger, string addresses, string change);

    [LoggerMessage(3018, LogLevel.Warning, "A NetworkChanged handler failed")]
    public static partial void NetworkChangedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(3019, LogLevel.Warning, "Telling the local discovery about a network change failed")]
    public static partial void LocalDiscoveryRenewFailed(ILogger logger, Exception exception);
}
