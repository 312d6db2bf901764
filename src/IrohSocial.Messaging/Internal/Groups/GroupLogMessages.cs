using IrohSocial.Crypto;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Messaging.Internal;

/// <summary>Log messages of groups (EventIds 4050-4069). Never logs names, members' content or key material.</summary>
internal static partial class Log
{
    [LoggerMessage(4050, LogLevel.Warning, "Refused a log of group {Group} from {Peer}: {Reason}")]
    public static partial void GroupRefused(ILogger logger, string group, EndpointId peer, string reason);

    [LoggerMessage(4051, LogLevel.Debug, "Attachments of group message {MessageId} did not reach {Peer}")]
    public static partial void GroupAttachmentFailed(ILogger logger, string messageId, EndpointId peer, Exception exception);
}
