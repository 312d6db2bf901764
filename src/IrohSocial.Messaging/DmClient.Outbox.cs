using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    /// <summary>
    /// Everything waiting in the outbox (messages, read receipts, deletes), for every peer; each peer's entries in
    /// the order they will be sent.
    /// </summary>
    public async Task<IReadOnlyList<OutboxItem>> GetOutboxAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return await ListOutboxAsync(_options.Store, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Lists the outbox of <paramref name="store"/> without a running client (e.g. a command-line tool that only
    /// reads its database). Same result as <see cref="GetOutboxAsync"/>.
    /// </summary>
    public static async Task<IReadOnlyList<OutboxItem>> ListOutboxAsync(IMessagingStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var entries = await store.GetAllOutboxAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<OutboxItem>(entries.Count);
        foreach (var entry in entries)
        {
            result.Add(await DescribeAsync(store, entry, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    /// <summary>
    /// Removes one entry from the outbox so it is never sent (or retried). A dropped message is deleted locally
    /// too, since it will never reach the peer. An entry already on its way may still arrive. Returns the dropped
    /// entry, or null when no entry has this id.
    /// </summary>
    public async Task<OutboxItem?> DropOutboxAsync(string entryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(entryId);
        ThrowIfDisposed();
        var dropped = await DropOutboxAsync(_options.Store, entryId, cancellationToken).ConfigureAwait(false);
        if (dropped is not null)
        {
            Log.OutboxDropped(_logger, 1, dropped.Peer);
        }

        return dropped;
    }

    /// <summary>
    /// Removes every outbox entry for <paramref name="peer"/> (e.g. a peer whose ticket was mistyped and that will
    /// never answer); dropped messages are deleted locally too. Returns what was dropped.
    /// </summary>
    public async Task<IReadOnlyList<OutboxItem>> DropOutboxAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var dropped = await DropOutboxAsync(_options.Store, peer, cancellationToken).ConfigureAwait(false);
        if (dropped.Count > 0)
        {
            Log.OutboxDropped(_logger, dropped.Count, peer);
        }

        return dropped;
    }

    /// <summary>
    /// <see cref="DropOutboxAsync(string, CancellationToken)"/> on a store without a running client (e.g. a tool that
    /// only opens the database). The store change is the same; the client's method also logs it.
    /// </summary>
    public static async Task<OutboxItem?> DropOutboxAsync(IMessagingStore store, string entryId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(entryId);
        var entry = (await store.GetAllOutboxAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(e => e.Id == entryId);
        if (entry is null)
        {
            return null;
        }

        var item = await DescribeAsync(store, entry, cancellationToken).ConfigureAwait(false);
        await store.ApplyAsync(DropOperations([item]), cancellationToken).ConfigureAwait(false);
        return item;
    }

    /// <summary><see cref="DropOutboxAsync(EndpointId, CancellationToken)"/> on a store without a running client.</summary>
    public static async Task<IReadOnlyList<OutboxItem>> DropOutboxAsync(IMessagingStore store, EndpointId peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var items = new List<OutboxItem>();
        foreach (var entry in await store.GetOutboxAsync(peer, cancellationToken).ConfigureAwait(false))
        {
            items.Add(await DescribeAsync(store, entry, cancellationToken).ConfigureAwait(false));
        }

        if (items.Count > 0)
        {
            await store.ApplyAsync(DropOperations(items), cancellationToken).ConfigureAwait(false);
        }

        return items;
    }

    /// <summary>
    /// Deletes the whole conversation with <paramref name="peer"/> here (not at the peer): every message, and
    /// everything still queued for the peer. Deleted ids are remembered, so a late copy of a deleted incoming
    /// message is still dropped as a duplicate. The encrypted session and the peer's address are kept, so the
    /// conversation can start again. Returns how many messages were deleted.
    /// </summary>
    public async Task<int> DeleteConversationAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var (messages, entries) = await DeleteConversationAsync(_options.Store, peer, cancellationToken).ConfigureAwait(false);
        Log.ConversationDeleted(_logger, peer, messages, entries);
        return messages;
    }

    /// <summary>
    /// <see cref="DeleteConversationAsync(EndpointId, CancellationToken)"/> on a store without a running client;
    /// returns the number of messages and of outbox entries deleted.
    /// </summary>
    public static async Task<(int Messages, int OutboxEntries)> DeleteConversationAsync(IMessagingStore store, EndpointId peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var ids = await store.GetMessageIdsAsync(peer, cancellationToken).ConfigureAwait(false);
        var entries = await store.GetOutboxAsync(peer, cancellationToken).ConfigureAwait(false);
        var operations = new List<StoreOperation>(ids.Count + entries.Count);
        operations.AddRange(entries.Select(e => new RemoveOutbox(peer, e.Id)));
        operations.AddRange(ids.Select(id => new RemoveMessage(peer, id)));
        if (operations.Count > 0)
        {
            await store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
        }

        return (ids.Count, entries.Count);
    }

    /// <summary>
    /// Tries to deliver everything queued for <paramref name="peer"/> now, whatever the backoff says, and reports
    /// the outcome for that peer alone. A peer that refuses the connection fails at once.
    /// </summary>
    public async Task<OutboxFlushResult> FlushPeerOutboxAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return await Channel(peer).DeliverOutboxAsync(cancellationToken).ConfigureAwait(false);
    }

    private static List<StoreOperation> DropOperations(IReadOnlyList<OutboxItem> items)
    {
        var operations = new List<StoreOperation>(items.Count * 2);
        foreach (var item in items)
        {
            operations.Add(new RemoveOutbox(item.Peer, item.Id));
            if (item is { Kind: OutboxItemKind.Message, Message: not null })
            {
                operations.Add(new RemoveMessage(item.Peer, item.Id));
            }
        }

        return operations;
    }

    private static async Task<OutboxItem> DescribeAsync(IMessagingStore store, OutboxEntry entry, CancellationToken cancellationToken)
    {
        Control? control;
        try
        {
            control = Control.Parse(entry.Payload);
        }
        catch (MessagingException)
        {
            control = null;
        }

        var kind = control switch
        {
            MessageControl => OutboxItemKind.Message,
            ReadControl => OutboxItemKind.ReadReceipt,
            DeleteControl => OutboxItemKind.Delete,
            _ => OutboxItemKind.Other,
        };
        var message = kind == OutboxItemKind.Message ? await store.GetMessageAsync(entry.Id, cancellationToken).ConfigureAwait(false) : null;
        return new OutboxItem(entry.Id, entry.Peer, kind, entry.CreatedAt, entry.Attempts, entry.NextAttemptAt, message);
    }
}
