using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>Message bodies and their status.</summary>
public interface IMessageStore
{
    /// <summary>One message by id, or <see langword="null"/>.</summary>
    ValueTask<StoredMessage?> GetMessageAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>Id, peer, direction and status of a live message, or <see langword="null"/>; cheaper than <see cref="GetMessageAsync"/>.</summary>
    ValueTask<MessageInfo?> GetMessageInfoAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>Whether a control with this id from <paramref name="peer"/> was remembered with <see cref="RememberControl"/>.</summary>
    ValueTask<bool> HasSeenControlAsync(EndpointId peer, string controlId, CancellationToken cancellationToken = default);

    /// <summary>Whether a message with this id was ever stored, including deleted ones (duplicate detection).</summary>
    ValueTask<bool> ContainsMessageAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>Whether a message with this id was ever stored in the conversation with <paramref name="peer"/>, including deleted ones.</summary>
    ValueTask<bool> ContainsMessageAsync(EndpointId peer, string messageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The newest <paramref name="limit"/> messages with <paramref name="peer"/> that come before the message
    /// <paramref name="beforeMessageId"/> in the conversation's order (by timestamp, ties by arrival), or the newest
    /// when null; returned oldest first. Paging with the oldest id of the previous page visits every message once,
    /// also where several share a timestamp.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="beforeMessageId"/> was never stored in this conversation.</exception>
    ValueTask<IReadOnlyList<StoredMessage>> GetMessagesAsync(EndpointId peer, int limit, string? beforeMessageId, CancellationToken cancellationToken = default);

    /// <summary>Ids of incoming messages from <paramref name="peer"/> not yet read, oldest first.</summary>
    ValueTask<IReadOnlyList<string>> GetUnreadMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default);
}
