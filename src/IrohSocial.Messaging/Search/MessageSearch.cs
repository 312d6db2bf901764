using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Search;

/// <summary>
/// Keeps a <see cref="MessageSearchIndex"/> in step with the store: built once from the decrypted rows (on first
/// use), then fed every message insert and removal that goes through the client's store.
/// </summary>
/// <remarks>
/// Writes that land while the build reads the store are applied to the index at once; an id removed during the
/// build is remembered so a stale read cannot bring it back. The store stays the authority: hits are confirmed
/// against it before they are returned, so an insert the store ignored (e.g. of a deleted id) never shows.
/// </remarks>
internal sealed class MessageSearch
{
    private readonly IMessagingStore _store;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _buildGate = new(1, 1);
    private readonly int _denseMatches;
    private MessageSearchIndex _index;
    private HashSet<string>? _removedDuringBuild;
    private bool _tracking;
    private bool _ready;

    public MessageSearch(IMessagingStore store, int denseMatches = MessageSearchIndex.DefaultDenseMatches)
    {
        _store = store;
        _denseMatches = denseMatches;
        _index = new MessageSearchIndex(denseMatches);
    }

    /// <summary>Whether the index has been built.</summary>
    public bool IsReady
    {
        get
        {
            lock (_gate)
            {
                return _ready;
            }
        }
    }

    /// <summary>Indexed live messages (0 before the build).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>Applies a batch the store has just committed.</summary>
    public void Observe(IReadOnlyList<StoreOperation> operations)
    {
        lock (_gate)
        {
            if (!_tracking)
            {
                return; // Not built yet: the build will read these rows from the store.
            }

            foreach (var operation in operations)
            {
                switch (operation)
                {
                    case InsertMessage insert:
                        if (_removedDuringBuild?.Contains(insert.Message.Id) != true)
                        {
                            _index.Add(insert.Message);
                        }

                        break;
                    case RemoveMessage remove:
                        _index.Remove(remove.MessageId);
                        _removedDuringBuild?.Add(remove.MessageId);
                        break;
                }
            }
        }
    }

    /// <summary>Builds the index from the store unless it is built; concurrent callers share one build.</summary>
    public async Task EnsureBuiltAsync(CancellationToken cancellationToken)
    {
        if (IsReady)
        {
            return;
        }

        await _buildGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsReady)
            {
                return;
            }

            lock (_gate)
            {
                _index = new MessageSearchIndex(_denseMatches);
                _removedDuringBuild = new HashSet<string>(StringComparer.Ordinal);
                _tracking = true;
            }

            try
            {
                foreach (var conversation in await _store.GetConversationsAsync(cancellationToken).ConfigureAwait(false))
                {
                    var messages = await _store.GetMessagesAsync(conversation.Peer, int.MaxValue, null, cancellationToken).ConfigureAwait(false);
                    lock (_gate)
                    {
                        foreach (var message in messages)
                        {
                            if (!_removedDuringBuild.Contains(message.Id))
                            {
                                _index.Add(message);
                            }
                        }
                    }
                }

                lock (_gate)
                {
                    _removedDuringBuild = null;
                    _ready = true;
                }
            }
            catch
            {
                lock (_gate)
                {
                    _tracking = false;
                    _removedDuringBuild = null;
                    _index = new MessageSearchIndex(_denseMatches);
                }

                throw;
            }
        }
        finally
        {
            _buildGate.Release();
        }
    }

    /// <summary>Builds when needed, then returns up to <paramref name="limit"/> matching messages, newest first.</summary>
    public async Task<IReadOnlyList<StoredMessage>> SearchAsync(string query, EndpointId? peer, int limit, string? beforeMessageId, CancellationToken cancellationToken)
    {
        await EnsureBuiltAsync(cancellationToken).ConfigureAwait(false);
        SearchCursor? after = null;
        if (beforeMessageId is not null)
        {
            lock (_gate)
            {
                after = _index.CursorAt(beforeMessageId);
            }

            // The store is the authority (the index may not have applied the latest write yet); a message deleted
            // meanwhile is unknown to both, and the caller is told instead of given a silently wrong page.
            after ??= await _store.GetMessageAsync(beforeMessageId, cancellationToken).ConfigureAwait(false) is { } message
                ? SearchCursor.Of(message)
                : throw new ArgumentException("No stored message has this id.", nameof(beforeMessageId));
        }

        var results = new List<StoredMessage>(Math.Min(limit, 256));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // The store is the authority: a hit it no longer has (deleted meanwhile) is skipped and the window widened.
        for (var take = limit; results.Count < limit; take = (int)Math.Min(2L * take, int.MaxValue))
        {
            var ids = Query(query, peer, after, take);
            foreach (var id in ids)
            {
                if (results.Count == limit)
                {
                    break;
                }

                if (seen.Add(id) && await _store.GetMessageAsync(id, cancellationToken).ConfigureAwait(false) is { } message)
                {
                    results.Add(message);
                }
            }

            if (ids.Count < take)
            {
                break;
            }
        }

        return results;
    }

    /// <summary>Candidate ids, newest first; see <see cref="MessageSearchIndex.Query"/>.</summary>
    public IReadOnlyList<string> Query(string query, EndpointId? peer, SearchCursor? after, int take)
    {
        var terms = SearchText.Words(query);
        lock (_gate)
        {
            return _index.Query(terms, peer, after, take);
        }
    }
}
