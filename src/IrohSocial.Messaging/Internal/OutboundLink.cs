namespace IrohSocial.Messaging.Internal;

/// <summary>
/// The stream we opened to a peer: our envelopes go out in order, the peer's responses (one per envelope, in the
/// same order) come back and are matched to the head of the pending queue.
/// </summary>
internal sealed class OutboundLink : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PeerChannel _channel;
    private readonly int _maxFrameSize;
    private readonly Queue<PendingSend> _pending = new();
    private readonly Lock _pendingGate = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _reader;
    private Exception? _failure;

    public OutboundLink(Stream stream, PeerChannel channel, int maxFrameSize)
    {
        _stream = stream;
        _channel = channel;
        _maxFrameSize = maxFrameSize;
        _reader = Task.Run(ReadResponsesAsync);
    }

    public bool IsAlive => Volatile.Read(ref _failure) is null;

    /// <summary>Queues the items and writes their frames, in one ordered step.</summary>
    public async Task WriteAsync(IReadOnlyList<PendingSend> items, IReadOnlyList<byte[]> frames, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_pendingGate)
            {
                if (_failure is not null)
                {
                    throw Unreachable(_failure);
                }

                foreach (var item in items)
                {
                    _pending.Enqueue(item);
                }
            }

            foreach (var frame in frames)
            {
                await FrameCodec.WriteFrameAsync(_stream, frame, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not MessagingException)
        {
            Fail(ex);
            throw Unreachable(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadResponsesAsync()
    {
        try
        {
            while (true)
            {
                var frame = await FrameCodec.ReadFrameAsync(_stream, _maxFrameSize, _cts.Token).ConfigureAwait(false)
                    ?? throw new MessagingException(MessagingError.PeerUnreachable, "The peer closed the stream.");
                PendingSend head;
                lock (_pendingGate)
                {
                    if (!_pending.TryDequeue(out head!))
                    {
                        throw new MessagingException(MessagingError.MalformedFrame, "The peer sent a response nobody asked for.");
                    }
                }

                await _channel.HandleResponseAsync(head, frame, _cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    /// <summary>Marks the link dead and fails everything still waiting.</summary>
    public void Fail(Exception reason)
    {
        List<PendingSend> orphans;
        lock (_pendingGate)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = reason;
            orphans = [.. _pending];
            _pending.Clear();
        }

        foreach (var item in orphans)
        {
            item.Acked.TrySetException(Unreachable(reason));
        }

        _cts.Cancel();
        _stream.Dispose();
    }

    private static MessagingException Unreachable(Exception reason) =>
        reason as MessagingException is { Error: MessagingError.PeerUnreachable or MessagingError.DecryptionFailed } m
            ? m
            : new MessagingException(MessagingError.PeerUnreachable, "The link to the peer broke: " + reason.Message, reason);

    public async ValueTask DisposeAsync()
    {
        Fail(new MessagingException(MessagingError.PeerUnreachable, "The DM client is shutting down."));
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The reader reports through Fail; nothing more to observe.
        }

        _cts.Dispose();
        _writeLock.Dispose();
    }
}
