using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>
/// A store that keeps everything in memory: for tests and for apps that want no persistence. Batches are atomic
/// (applied under one lock on a copy-free validate-then-apply path: the operations cannot fail half way).
/// Disposing does not clear it, so tests can "restart" a client on the same instance.
/// </summary>
public sealed partial class InMemoryMessagingStore : IMessagingStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MessageRow> _messages = new(StringComparer.Ordinal);
    // Queue order by sequence, plus an index by id, so enqueue/remove stay cheap with long queues.
    private readonly SortedDictionary<long, OutboxEntry> _outbox = [];
    private readonly Dictionary<string, long> _outboxIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<EndpointId, byte[]> _sessions = [];
    private readonly Dictionary<EndpointId, string> _peers = [];
    private readonly Dictionary<(string Kind, string Id), StoredRecord> _records = [];
    private readonly HashSet<(EndpointId Peer, string ControlId)> _seenControls = [];
    private long _sequence;

    /// <inheritdoc />
    public ValueTask ApplyAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            foreach (var operation in operations)
            {
                Apply(operation);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Apply(StoreOperation operation)
    {
        switch (operation)
        {
            case SaveSession s:
                _sessions[s.Peer] = s.State.ToArray();
                break;
            case InsertMessage m:
                // Another peer's tombstone (a delete, possibly of an id it never had) never blocks this peer's message.
                if (!_messages.TryGetValue(m.Message.Id, out var existing) || (existing.Deleted && existing.Peer != m.Message.Peer))
                {
                    _messages[m.Message.Id] = new MessageRow(++_sequence, m.Message.Peer, m.Message, Deleted: false);
                }

                break;
            case SetMessageStatus s:
                if (_messages.TryGetValue(s.MessageId, out var row) && !row.Deleted && row.Peer == s.Peer)
                {
                    _messages[s.MessageId] = row with { Message = row.Message with { Status = s.Status } };
                }

                break;
            case RemoveMessage r:
                if (_messages.TryGetValue(r.MessageId, out var removed))
                {
                    if (removed.Peer == r.Peer)
                    {
                        _messages[r.MessageId] = removed with { Deleted = true };
                    }
                }
                else
                {
                    // Tombstone even unknown ids, for this peer: a delete can overtake the message it deletes.
                    _messages[r.MessageId] = new MessageRow(++_sequence, r.Peer, null!, Deleted: true);
                }

                break;
            case EnqueueOutbox e:
                if (_outboxIndex.TryAdd(e.Entry.Id, ++_sequence))
                {
                    _outbox.Add(_sequence, e.Entry);
                }

                break;
            case RemoveOutbox r:
                if (_outboxIndex.TryGetValue(r.EntryId, out var removedSeq) && _outbox[removedSeq].Peer == r.Peer)
                {
                    _outboxIndex.Remove(r.EntryId);
                    _outbox.Remove(removedSeq);
                }

                break;
            case RecordOutboxAttempt a:
                if (_outboxIndex.TryGetValue(a.EntryId, out var seq))
                {
                    _outbox[seq] = _outbox[seq] with { Attempts = a.Attempts, NextAttemptAt = a.NextAttemptAt };
                }

                break;
            case SavePeerAddress p:
                _peers[p.Peer] = p.Ticket;
                break;
            case SaveRecord r:
                _records[(r.Record.Kind, r.Record.Id)] = r.Record with { Body = r.Record.Body.ToArray() };
                break;
            case RememberControl r:
                _seenControls.Add((r.Peer, r.ControlId));
                break;
            case GroupStoreOperation g:
                ApplyGroup(g);
                break;
            default:
                throw new ArgumentException($"Unknown store operation {operation.GetType().Name}.", nameof(operation));
        }
    }

    /// <inheritdoc />
    public ValueTask<StoredMessage?> GetMessageAsync(string messageId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_messages.TryGetValue(messageId, out var row) && !row.Deleted ? row.Message : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<MessageInfo?> GetMessageInfoAsync(string messageId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_messages.TryGetValue(messageId, out var row) && !row.Deleted
                ? new MessageInfo(row.Message.Id, row.Message.Peer, row.Message.Direction, row.Message.Status)
                : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> HasSeenControlAsync(EndpointId peer, string controlId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_seenControls.Contains((peer, controlId)));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ContainsMessageAsync(string messageId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_messages.ContainsKey(messageId));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ContainsMessageAsync(EndpointId peer, string messageId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_messages.TryGetValue(messageId, out var row) && row.Peer == peer);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredMessage>> GetMessagesAsync(EndpointId peer, int limit, string? beforeMessageId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_gate)
        {
            var cursor = (Timestamp: DateTimeOffset.MaxValue, Seq: long.MaxValue);
            if (beforeMessageId is not null)
            {
                // Deleted rows stay as tombstones, so a cursor on a message deleted since its page was read still works.
                // A tombstone of an id that was never stored (a delete that arrived first) has no position.
                if (!_messages.TryGetValue(beforeMessageId, out var at) || at.Peer != peer || at.Message is null)
                {
                    throw new ArgumentException("No message with this id was stored in this conversation.", nameof(beforeMessageId));
                }

                cursor = (at.Message.Timestamp, at.Seq);
            }

            IReadOnlyList<StoredMessage> result = Live()
                .Where(r => r.Message.Peer == peer && (r.Message.Timestamp < cursor.Timestamp || (r.Message.Timestamp == cursor.Timestamp && r.Seq < cursor.Seq)))
                .OrderByDescending(r => r.Message.Timestamp).ThenByDescending(r => r.Seq)
                .Take(limit)
                .Reverse()
                .Select(r => r.Message)
                .ToList();
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetUnreadMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> result = Live()
                .Where(r => r.Message.Peer == peer && IsUnread(r.Message))
                .OrderBy(r => r.Message.Timestamp).ThenBy(r => r.Seq)
                .Select(r => r.Message.Id)
                .ToList();
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ConversationSummary>> GetConversationsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<ConversationSummary> result = Live()
                .GroupBy(r => r.Message.Peer)
                .Select(g =>
                {
                    var last = g.OrderByDescending(r => r.Message.Timestamp).ThenByDescending(r => r.Seq).First();
                    return (last, summary: new ConversationSummary(g.Key, last.Message, g.Count(r => IsUnread(r.Message))));
                })
                .OrderByDescending(x => x.last.Message.Timestamp).ThenByDescending(x => x.last.Seq)
                .Select(x => x.summary)
                .ToList();
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<string?> GetPeerAddressAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_peers.GetValueOrDefault(peer));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OutboxEntry>> GetOutboxAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<OutboxEntry> result = _outbox.Values.Where(e => e.Peer == peer).ToList();
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<EndpointId>> GetOutboxPeersAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<EndpointId> result = _outbox.Values.Select(e => e.Peer).Distinct().ToList();
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> LoadSessionAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_sessions.TryGetValue(peer, out var state) ? state.ToArray() : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredRecord>> GetRecordsAsync(string? kind, EndpointId? peer, int limit, DateTimeOffset? before, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_gate)
        {
            IReadOnlyList<StoredRecord> result = _records.Values
                .Where(r => (kind is null || r.Kind == kind) && (peer is null || r.Peer == peer) && (before is null || r.Time < before))
                .OrderByDescending(r => r.Time)
                .ThenByDescending(r => r.Id, StringComparer.Ordinal)
                .Take(limit)
                .Select(r => r with { Body = r.Body.ToArray() })
                .ToList();
            return ValueTask.FromResult(result);
        }
    }

    /// <summary>Nothing to release; the contents stay for a later client.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private IEnumerable<MessageRow> Live() => _messages.Values.Where(r => !r.Deleted);

    private static bool IsUnread(StoredMessage m) => m.Direction == MessageDirection.Incoming && m.Status != MessageStatus.Read;

    private sealed record MessageRow(long Seq, EndpointId Peer, StoredMessage Message, bool Deleted);
}
