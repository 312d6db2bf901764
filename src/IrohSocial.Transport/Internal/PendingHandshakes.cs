namespace IrohSocial.Transport.Internal;

/// <summary>
/// A fixed budget of inbound handshakes in progress. When it is full, a new arrival evicts the oldest one: a genuine
/// peer finishes its handshake in milliseconds, so sockets that connect and stall age out first and cannot lock genuine
/// peers out (the handshake timeout alone would let them hold every slot for its full length). The same policy as
/// a SYN queue under flood: bounded memory, newest work wins.
/// </summary>
internal sealed class PendingHandshakes(int capacity)
{
    private readonly LinkedList<CancellationTokenSource> _inProgress = new();

    /// <summary>Handshakes evicted so far because the budget was full.</summary>
    public long Evicted { get; private set; }

    /// <summary>Handshakes in progress right now.</summary>
    public int Count
    {
        get
        {
            lock (_inProgress)
            {
                return _inProgress.Count;
            }
        }
    }

    /// <summary>
    /// Registers a handshake; <paramref name="evict"/> is cancelled if it is evicted later. Dispose the result when
    /// the handshake ends, before disposing <paramref name="evict"/>.
    /// </summary>
    public Registration Enter(CancellationTokenSource evict)
    {
        CancellationTokenSource? oldest = null;
        LinkedListNode<CancellationTokenSource> node;
        lock (_inProgress)
        {
            if (_inProgress.Count >= capacity && _inProgress.First is { } first)
            {
                _inProgress.Remove(first);
                oldest = first.Value;
                Evicted++;
            }

            node = _inProgress.AddLast(evict);
        }

        if (oldest is not null)
        {
            try
            {
                oldest.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // that handshake ended between leaving the list and now
            }
        }

        return new Registration(this, node);
    }

    private void Leave(LinkedListNode<CancellationTokenSource> node)
    {
        lock (_inProgress)
        {
            if (node.List is not null)
            {
                _inProgress.Remove(node);
            }
        }
    }

    /// <summary>Removes the handshake from the budget on dispose.</summary>
    public readonly struct Registration(PendingHandshakes owner, LinkedListNode<CancellationTokenSource> node) : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => owner.Leave(node);
    }
}
