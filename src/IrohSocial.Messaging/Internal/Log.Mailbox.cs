using IrohSocial.Crypto;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Messaging.Internal;

/// <summary>Mailbox events of the DM client, ids 4060-4069.</summary>
internal static partial class Log
{
    [LoggerMessage(4093, LogLevel.Information, "Deposited {Count} queued entries in the mailbox of {Peer}")]
    public static partial void Deposited(ILogger logger, int count, EndpointId peer);

    [LoggerMessage(4094, LogLevel.Warning, "Could not deposit in the mailbox of {Peer}: {Reason}")]
    public static partial void DepositFailed(ILogger logger, EndpointId peer, string reason, Exception exception);

    [LoggerMessage(4095, LogLevel.Debug, "Fetched {Count} blobs from the own mailbox")]
    public static partial void MailboxFetched(ILogger logger, int count);

    [LoggerMessage(4096, LogLevel.Warning, "Dropped a blob from the own mailbox: {Reason}")]
    public static partial void MailboxBlobDropped(ILogger logger, string reason);

    [LoggerMessage(4097, LogLevel.Information, "The own mailbox is unreachable; trying again in {Delay}")]
    public static partial void MailboxUnreachable(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(4079, LogLevel.Information, "The network changed: watching the own mailbox {Mailbox} again over a new connection")]
    public static partial void MailboxWatchRenewed(ILogger logger, EndpointId mailbox);
}
