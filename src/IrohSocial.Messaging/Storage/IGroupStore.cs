using IrohSocial.Messaging.Groups;

namespace IrohSocial.Messaging.Storage;

/// <summary>
/// Groups and their messages. A store that implements it (both stores of the SDK do) enables the group API of
/// <see cref="DmClient"/>; writes go through <see cref="IMessagingStore.ApplyAsync"/> with the operations
/// <see cref="SaveGroup"/>, <see cref="InsertGroupMessage"/>, <see cref="SetGroupMessageStatus"/> and
/// <see cref="SetGroupReceipt"/>.
/// </summary>
public interface IGroupStore
{
    /// <summary>Every saved group, in no particular order.</summary>
    ValueTask<IReadOnlyList<GroupRecord>> GetGroupsAsync(CancellationToken cancellationToken = default);

    /// <summary>One group message by id, or <see langword="null"/>.</summary>
    ValueTask<GroupMessage?> GetGroupMessageAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>Whether a group message with this id was ever stored (duplicate detection).</summary>
    ValueTask<bool> ContainsGroupMessageAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The newest <paramref name="limit"/> messages of <paramref name="group"/> that come before the message
    /// <paramref name="beforeMessageId"/> (by timestamp, ties by arrival), or the newest when null; returned oldest
    /// first.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="beforeMessageId"/> is not a message of this group.</exception>
    ValueTask<IReadOnlyList<GroupMessage>> GetGroupMessagesAsync(GroupId group, int limit, string? beforeMessageId, CancellationToken cancellationToken = default);

    /// <summary>Incoming messages of <paramref name="group"/> not yet read, oldest first.</summary>
    ValueTask<IReadOnlyList<GroupMessage>> GetUnreadGroupMessagesAsync(GroupId group, CancellationToken cancellationToken = default);
}
