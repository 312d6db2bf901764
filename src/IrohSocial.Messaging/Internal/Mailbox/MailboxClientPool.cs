using System.Collections.Concurrent;
using IrohSocial.Mailbox;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Internal.Mailbox;

/// <summary>One <see cref="MailboxClient"/> per mailbox address the client deposits to (peers often share a mailbox host).</summary>
internal sealed class MailboxClientPool(Endpoint endpoint) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<EndpointAddr, MailboxClient> _clients = new();
    private int _disposed;

    public MailboxClient Get(EndpointAddr mailbox)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_clients.TryGetValue(mailbox, out var existing))
        {
            return existing;
        }

        // Not GetOrAdd's factory: a client that loses the race must be disposed, since it listens to the endpoint's
        // network changes. It never connected, so disposing it only unsubscribes.
        var created = new MailboxClient(endpoint, mailbox);
        var winner = _clients.GetOrAdd(mailbox, created);
        if (!ReferenceEquals(winner, created))
        {
            _ = created.DisposeAsync();
        }

        return winner;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var client in _clients.Values)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }
}
