using Microsoft.Extensions.Logging;

namespace IrohSocial.Transport.Internal.Mdns;

/// <summary>Log events of local discovery over mDNS (Transport's range, 3080-3089).</summary>
internal static partial class MdnsLog
{
    [LoggerMessage(3080, LogLevel.Information, "Local discovery (mDNS) on {Interfaces}; announcing: {Announce}")]
    public static partial void Started(ILogger logger, string interfaces, bool announce);

    [LoggerMessage(3081, LogLevel.Information, "Local discovery (mDNS) is off: {Reason}")]
    public static partial void Unavailable(ILogger logger, string reason);

    [LoggerMessage(3082, LogLevel.Debug, "Ignored an mDNS packet from {Source}: {Reason}")]
    public static partial void Ignored(ILogger logger, string source, string reason);

    [LoggerMessage(3083, LogLevel.Debug, "Heard {Peer} on the LAN at {Addresses}")]
    public static partial void Heard(ILogger logger, string peer, string addresses);

    [LoggerMessage(3084, LogLevel.Warning, "mDNS send failed")]
    public static partial void SendFailed(ILogger logger, Exception exception);

    [LoggerMessage(3085, LogLevel.Warning, "mDNS receive loop stopped")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(3086, LogLevel.Information, "Local discovery (mDNS) renewed after a network change on {Interfaces} (socket reopened: {Reopened}; announcing: {Announce})")]
    public static partial void Renewed(ILogger logger, string interfaces, bool reopened, bool announce);
}
