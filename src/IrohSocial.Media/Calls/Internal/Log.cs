using Microsoft.Extensions.Logging;

namespace IrohSocial.Media.Calls.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Call {CallId} with {Peer}: {State}")]
    public static partial void CallState(ILogger logger, string callId, string peer, string state);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Refused a call stream from {Peer}: {Reason}")]
    public static partial void StreamRefused(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Ignored call signal {Kind} for {CallId} from {Peer}: {Reason}")]
    public static partial void SignalIgnored(ILogger logger, string kind, string callId, string peer, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Call {CallId}: could not send {Kind}")]
    public static partial void SignalFailed(ILogger logger, Exception exception, string callId, string kind);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "Call {CallId}: connection lost, restoring for {Window}")]
    public static partial void Restoring(ILogger logger, string callId, TimeSpan window);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "Call {CallId}: media connection {Epoch} up")]
    public static partial void LegUp(ILogger logger, string callId, uint epoch);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "Call {CallId}: media failed")]
    public static partial void MediaFailed(ILogger logger, Exception exception, string callId);

    [LoggerMessage(EventId = 5108, Level = LogLevel.Information, Message = "Call {CallId}: video connection of leg {Epoch} up")]
    public static partial void VideoConnectionUp(ILogger logger, string callId, uint epoch);

    [LoggerMessage(EventId = 5109, Level = LogLevel.Warning, Message = "Call {CallId}: no video connection for leg {Epoch} ({Reason}); video shares the call connection")]
    public static partial void VideoConnectionFallback(ILogger logger, string callId, uint epoch, string reason);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Information, Message = "Call {CallId}: video connection of leg {Epoch} dropped; dialling it again")]
    public static partial void VideoConnectionRedial(ILogger logger, string callId, uint epoch);

    [LoggerMessage(EventId = 5107, Level = LogLevel.Warning, Message = "An event handler threw")]
    public static partial void HandlerThrew(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Information, Message = "Call {CallId}: leg {Epoch} declared lost ({Why}); restoring")]
    public static partial void LegDeclaredLost(ILogger logger, string callId, uint epoch, string why);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Information, Message = "Call {CallId}: audio back after a {GapMs:0} ms gap over {Path}")]
    public static partial void AudioRestored(ILogger logger, string callId, double gapMs, IrohSocial.Transport.ConnectionPath path);
}
