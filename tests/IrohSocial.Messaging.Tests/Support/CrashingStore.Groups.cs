using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Tests.Support;

/// <summary>Group reads pass through to the inner store (which must implement <see cref="IGroupStore"/>).</summary>
public sealed partial class CrashingStore : IGroupStore
{
    private IGroupStore Groups => (IGroupStore)inner;

    public ValueTask<IReadOnlyList<GroupRecord>> GetGroupsAsync(CancellationToken cancellationToken = default) { Check(); return Groups.GetGroupsAsync(cancellationToken); }

    public ValueTask<GroupMessage?> GetGroupMessageAsync(string messageId, CancellationToken cancellationToken = default) { Check(); return Groups.GetGroupMessageAsync(messageId, cancellationToken); }

    public ValueTask<bool> ContainsGroupMessageAsync(string messageId, CancellationToken cancellationToken = default) { Check(); return Groups.ContainsGroupMessageAsync(messageId, cancellationToken); }

    public ValueTask<IReadOnlyList<GroupMessage>> GetGroupMessagesAsync(GroupId group, int limit, string? beforeMessageId, CancellationToken cancellationToken = default) { Check(); return Groups.GetGroupMessagesAsync(group, limit, beforeMessageId, cancellationToken); }

    public ValueTask<IReadOnlyList<GroupMessage>> GetUnreadGroupMessagesAsync(GroupId group, CancellationToken cancellationToken = default) { Check(); return Groups.GetUnreadGroupMessagesAsync(group, cancellationToken); }
}
