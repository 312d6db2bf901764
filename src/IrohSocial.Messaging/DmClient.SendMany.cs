using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    /// <summary>
    /// Queues several text messages to one peer durably, in order, in one storage transaction (one fsync on a SQLite
    /// store: all of them are queued or none is), and returns their ids in the same order. Delivery is as for
    /// <see cref="SendMessageAsync(EndpointAddr, string, IReadOnlyList{AttachmentSource}?, string?, CancellationToken)"/>:
    /// the peer's outbox sends them in order, many per commit, and each is acknowledged on its own. For a paste of many
    /// lines, or an app that collects what the user wrote while offline.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.TooLarge"/> when any of them is too long (then none is queued).</exception>
    public async Task<IReadOnlyList<string>> SendMessagesAsync(EndpointAddr peer, IEnumerable<string> contents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(contents);
        ThrowIfDisposed();
        if (peer.Id == LocalId)
        {
            throw new ArgumentException("Cannot message yourself.", nameof(peer));
        }

        var known = _addresses.TryGetValue(peer.Id, out var previous) && previous.Equals(peer);
        var now = _options.TimeProvider.GetUtcNow();
        var ids = new List<string>();
        var operations = new List<StoreOperation>();
        foreach (var content in contents)
        {
            ArgumentNullException.ThrowIfNull(content, nameof(contents));
            ThrowIfTooLong(content);

            var id = _runtime.NewId();
            // The address rides with the first message only (the store keeps the last one).
            operations.AddRange(Outgoing(peer.Id, known || ids.Count > 0 ? null : peer, id, now, content, null, null));
            ids.Add(id);
        }

        if (ids.Count == 0)
        {
            return ids;
        }

        _addresses[peer.Id] = peer;
        await _options.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
        Channel(peer.Id).Wake();
        return ids;
    }
}
