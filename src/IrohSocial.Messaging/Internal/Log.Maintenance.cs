using IrohSocial.Crypto;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Messaging.Internal;

internal static partial class Log
{
    [LoggerMessage(4090, LogLevel.Information, "Dropped {Count} outbox entries for {Peer} at the app's request")]
    public static partial void OutboxDropped(ILogger logger, int count, EndpointId peer);

    [LoggerMessage(4091, LogLevel.Information, "Deleted the conversation with {Peer}: {Messages} messages, {Entries} outbox entries")]
    public static partial void ConversationDeleted(ILogger logger, EndpointId peer, int messages, int entries);
}
