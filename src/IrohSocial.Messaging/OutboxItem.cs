using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging;

/// <summary>What an outbox entry carries.</summary>
public enum OutboxItemKind
{
    /// <summary>A chat message (see <see cref="OutboxItem.Message"/>).</summary>
    Message = 0,

    /// <summary>A read receipt for messages the peer sent.</summary>
    ReadReceipt = 1,

    /// <summary>A request that the peer deletes a message.</summary>
    Delete = 2,

    /// <summary>Another control (or one this build cannot read).</summary>
    Other = 3,
}

/// <summary>One entry waiting in the outbox, as listed by <see cref="DmClient.GetOutboxAsync"/>.</summary>
/// <param name="Id">Entry id (for messages, the message id); pass it to <see cref="DmClient.DropOutboxAsync(string, CancellationToken)"/>.</param>
/// <param name="Peer">Destination.</param>
/// <param name="Kind">What it carries.</param>
/// <param name="QueuedAt">When it was queued.</param>
/// <param name="Attempts">Failed delivery attempts so far.</param>
/// <param name="NextAttemptAt">Earliest time of the next automatic attempt.</param>
/// <param name="Message">For <see cref="OutboxItemKind.Message"/>, the stored message (null if it was deleted meanwhile).</param>
public sealed record OutboxItem(
    string Id,
    EndpointId Peer,
    OutboxItemKind Kind,
    DateTimeOffset QueuedAt,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    StoredMessage? Message);
