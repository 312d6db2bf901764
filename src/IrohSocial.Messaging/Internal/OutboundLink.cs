using System.Buffers;
using System.Threading.Channels;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// The one envelope stream we write to a peer. Everything we send it — messages, receipts, acknowledgements,
/// call signals, decrypt_failed answers — goes through this single queue in the order it was encrypted, so the
/// peer sees our ratchet messages in order (the ratchet's first-contact rules rely on that). The peer never
/// writes on it; its end of stream means the peer or the connection is gone.
/// </summary>
internal sealed class OutboundLink : IAsyncDisposable
{
    /// <summary>Most bytes of queued frames written in one call.</summary>
    private const int CoalesceBytes = 32 * 1024;

    private readonly Stream _stream;
    private readonly Action<OutboundLink, Exception> _onFailure;
    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _writer;
    private readonly Task _watcher;
    private Exception? _failure;
    private int _retired;

    public OutboundLink(Stream stream, Action<OutboundLink, Exception> onFailure)
    {
        _stream = stream;
        _onFailure = onFailure;
        _writer = Task.Run(WriteLoopAsync);
        _watcher = Task.Run(WatchLoopAsync);
    }

    public bool IsAlive => Volatile.Read(ref _failure) is null && !IsRetired;

    /// <summary>Set by <see cref="Retire"/>: takes nothing new, finishes what it queued, and its end fails nothing.</summary>
    public bool IsRetired => Volatile.Read(ref _retired) == 1;

    /// <summary>
    /// Stops taking frames, writes what is queued, then ends the stream (the peer sees a clean end, not an error). The
    /// owner has already moved to a new link on another connection; what was sent here is acknowledged as usual.
    /// </summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0)
        {
            _queue.Writer.TryComplete();
        }
    }

    /// <summary>Queues a frame; false when the link is dead.</summary>
    public bool TryEnqueue(byte[] frame) => IsAlive && _queue.Writer.TryWrite(frame);

    private async Task WriteLoopAsync()
    {
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(_cts.Token).ConfigureAwait(false))
            {
                // Write everything queued, then flush once: cheap batching under load.
                while (reader.TryPeek(out _))
                {
                    await WriteQueuedAsync(reader).ConfigureAwait(false);
                }

                await _stream.FlushAsync(_cts.Token).ConfigureAwait(false);
            }

            if (IsRetired && _stream is TransportStream transport)
            {
                transport.CompleteWrites(); // the watcher sees the peer's end in reply and releases the stream
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    /// <summary>
    /// Writes the frames queued now, coalesced into one write of at most <see cref="CoalesceBytes"/> (a bigger frame goes
    /// alone). Over QUIC every write is one send that the stack completes on its own thread, and frames written
    /// together reach the peer together, so its group commit takes them as one batch (one fsync, one acknowledgement):
    /// written one by one, a burst arrived as a trickle and the receiver committed 10x as often per message.
    /// </summary>
    private async Task WriteQueuedAsync(ChannelReader<byte[]> reader)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CoalesceBytes);
        try
        {
            var used = 0;
            while (reader.TryPeek(out var next))
            {
                var size = FrameCodec.HeaderSize + next.Length;
                if (used > 0 && used + size > buffer.Length)
                {
                    break;
                }

                _ = reader.TryRead(out var frame);
                if (size > buffer.Length)
                {
                    await FrameCodec.WriteFrameAsync(_stream, frame!, flush: false, _cts.Token).ConfigureAwait(false);
                    return;
                }

                used += FrameWriter.Encode(frame, buffer.AsSpan(used));
            }

            if (used > 0)
            {
                await _stream.WriteAsync(buffer.AsMemory(0, used), _cts.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task WatchLoopAsync()
    {
        try
        {
            var buffer = new byte[1];
            _ = await _stream.ReadAsync(buffer, _cts.Token).ConfigureAwait(false);
            Fail(new MessagingException(MessagingError.PeerUnreachable, "The peer closed the envelope stream."));
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    /// <summary>Marks the link dead (once) and tells the owner, which fails whatever waits on it.</summary>
    public void Fail(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
        {
            return;
        }

        _queue.Writer.TryComplete();
        _cts.Cancel();
        try
        {
            _stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Already broken.
        }

        _onFailure(this, reason);
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new MessagingException(MessagingError.PeerUnreachable, "The DM client is shutting down."));
        await Task.WhenAll(_writer, _watcher).ConfigureAwait(false);
        _cts.Dispose();
    }
}
