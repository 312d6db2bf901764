using IrohSocial.Messaging.Groups;

namespace IrohSocial.Messaging.Storage;

public sealed partial class InMemoryMessagingStore : IGroupStore
{
    private readonly Dictionary<GroupId, GroupRecord> _groups = [];
    private readonly Dictionary<string, (long Seq, GroupMessage Message)> _groupMessages = new(StringComparer.Ordinal);

    private void ApplyGroup(GroupStoreOperation operation)
    {
        switch (operation)
        {
            case SaveGroup s:
                if (!_groups.TryGetValue(s.Group.Group, out var stored) || stored.Revision < s.Group.Revision)
                {
                    _groups[s.Group.Group] = s.Group with { Data = s.Group.Data.ToArray() };
                }

                break;
            case InsertGroupMessage m:
                _groupMessages.TryAdd(m.Message.Id, (++_sequence, m.Message));
                break;
            case SetGroupMessageStatus s:
                if (_groupMessages.TryGetValue(s.MessageId, out var row))
                {
                    _groupMessages[s.MessageId] = row with { Message = row.Message with { Status = s.Status } };
                }

                break;
            case SetGroupReceipt r:
                if (_groupMessages.TryGetValue(r.MessageId, out var sent))
                {
                    _groupMessages[r.MessageId] = sent with { Message = GroupReceipts.Apply(sent.Message, r) };
                }

                break;
            default:
                throw new ArgumentException($"Unknown store operation {operation.GetType().Name}.", nameof(operation));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GroupRecord>> GetGroupsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<GroupRecord> result = _groups.Values.Select(g => g with { Data = g.Data.ToArray() }).ToList();
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<GroupMessage?> GetGroupMessageAsync(string messageId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_groupMessages.TryGetValue(messageId, out var row) ? row.Message : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ContainsGroupMessageAsync(string messageId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_groupMessages.ContainsKey(messageId));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GroupMessage>> GetGroupMessagesAsync(GroupId group, int limit, string? beforeMessageId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_gate)
        {
            var cursor = (Timestamp: DateTimeOffset.MaxValue, Seq: long.MaxValue);
            if (beforeMessageId is not null)
            {
                if (!_groupMessages.TryGetValue(beforeMessageId, out var at) || at.Message.Group != group)
                {
                    throw new ArgumentException("No message with this id was stored in this group.", nameof(beforeMessageId));
                }

                cursor = (at.Message.Timestamp, at.Seq);
            }

            IReadOnlyList<GroupMessage> result = _groupMessages.Values
                .Where(r => r.Message.Group == group && (r.Message.Timestamp < cursor.Timestamp || (r.Message.Timestamp == cursor.Timestamp && r.Seq < cursor.Seq)))
                .OrderByDescending(r => r.Message.Timestamp).ThenByDescending(r => r.Seq)
                .Take(limit)
                .Reverse()
                .Select(r => r.Message)
                .ToList();
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GroupMessage>> GetUnreadGroupMessagesAsync(GroupId group, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<GroupMessage> result = _groupMessages.Values
                .Where(r => r.Message.Group == group && r.Message.Direction == MessageDirection.Incoming && r.Message.Status != MessageStatus.Read)
                .OrderBy(r => r.Message.Timestamp).ThenBy(r => r.Seq)
                .Select(r => r.Message)
                .ToList();
            return ValueTask.FromResult(result);
        }
    }
}
