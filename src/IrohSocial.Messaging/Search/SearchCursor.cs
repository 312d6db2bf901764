using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Search;

/// <summary>
/// The last result of a search page, as (timestamp, id): results are ordered newest first with ties by greater id,
/// so the next page is everything that sorts strictly after it. Carrying both keys (not just the timestamp) keeps
/// messages that share the last result's timestamp from being skipped.
/// </summary>
internal readonly record struct SearchCursor(long TimestampTicks, string MessageId)
{
    public static SearchCursor Of(StoredMessage message) => new(message.Timestamp.UtcTicks, message.Id);

    /// <summary>Whether a message at (<paramref name="ticks"/>, <paramref name="messageId"/>) comes after this cursor in result order.</summary>
    public bool Precedes(long ticks, string messageId) =>
        ticks < TimestampTicks || (ticks == TimestampTicks && string.CompareOrdinal(messageId, MessageId) < 0);
}
