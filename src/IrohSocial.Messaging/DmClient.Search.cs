using IrohSocial.Crypto;
using IrohSocial.Messaging.Search;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    private SearchIndexingStore Indexing => (SearchIndexingStore)_options.Store;

    /// <summary>
    /// Finds stored messages (sent and received) whose text contains every word of <paramref name="query"/>, each as
    /// a whole word or the start of one ("caf" finds "Café"), ignoring case and accents. Newest first
    /// (equal timestamps: greater message id first).
    /// </summary>
    /// <remarks>
    /// The index lives only in memory, built from the decrypted messages the first time it is needed (see
    /// <see cref="PrepareSearchAsync"/>) and kept current by every message the client stores or deletes, so the
    /// disk never holds a word of it. Page with <paramref name="beforeMessageId"/> = the id of the last (oldest)
    /// result of the previous page: every hit is visited once, also where several share a timestamp.
    /// </remarks>
    /// <param name="query">Words to find; punctuation separates words. A query without words finds nothing.</param>
    /// <param name="peer">Only this conversation when given.</param>
    /// <param name="limit">Most results returned.</param>
    /// <param name="beforeMessageId">Only results that come after this one (in newest-first order) when given.</param>
    /// <exception cref="ArgumentException"><paramref name="beforeMessageId"/> is not a stored message (or was deleted since).</exception>
    /// <param name="cancellationToken">Cancels the search (and a first build).</param>
    public async Task<IReadOnlyList<StoredMessage>> SearchMessagesAsync(string query, EndpointId? peer = null, int limit = 50, string? beforeMessageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ThrowIfDisposed();
        return await Indexing.Search.SearchAsync(query, peer, limit, beforeMessageId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds the in-memory search index now (it is otherwise built by the first <see cref="SearchMessagesAsync"/>):
    /// reads and decrypts every stored message once. Returns how many messages it holds.
    /// </summary>
    public async Task<int> PrepareSearchAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await Indexing.Search.EnsureBuiltAsync(cancellationToken).ConfigureAwait(false);
        return Indexing.Search.Count;
    }
}
