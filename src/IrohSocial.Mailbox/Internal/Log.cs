using IrohSocial.Crypto;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Mailbox.Internal;

/// <summary>Mailbox log events, ids 7000-7099. Ids are shortened; nothing of a blob is ever logged.</summary>
internal static partial class Log
{
    [LoggerMessage(7000, LogLevel.Information, "Mailbox service started (sweep every {Interval}).")]
    public static partial void Started(ILogger logger, TimeSpan interval);

    [LoggerMessage(7001, LogLevel.Debug, "Stored a blob of {Size} bytes from {Depositor} for {Owner}.")]
    public static partial void Stored(ILogger logger, int size, string depositor, string owner);

    [LoggerMessage(7002, LogLevel.Information, "Refused a {Op} from {Remote}: {Reason}.")]
    public static partial void Refused(ILogger logger, string op, string remote, MailboxRefusal reason);

    [LoggerMessage(7003, LogLevel.Debug, "Swept {Count} expired blobs.")]
    public static partial void Swept(ILogger logger, int count);

    [LoggerMessage(7004, LogLevel.Warning, "Mailbox request from {Remote} failed.")]
    public static partial void RequestFailed(ILogger logger, string remote, Exception exception);

    [LoggerMessage(7005, LogLevel.Debug, "{Owner} acknowledged {Count} blobs.")]
    public static partial void Acked(ILogger logger, string owner, int count);

    public static string Short(EndpointId id) => id.ToShortString();
}
