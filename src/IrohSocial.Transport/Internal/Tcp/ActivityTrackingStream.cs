using System.Buffers;
using System.Runtime.ExceptionServices;

namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>
/// Sits between the multiplexer and the SslStream. It records when bytes last arrived (idle timeout) and flags the
/// end of the transport <em>before</em> the multiplexer learns of it, so a stream that then sees its channel end
/// can tell a lost connection from a clean finish.
/// </summary>
/// <remarks>
/// Writes are coalesced (written by hand because no pinned library offers a write-behind stream): the multiplexer
/// writes and flushes every frame (at most 20 KiB, often in several segment writes), and handing each piece to the
/// SslStream costs a TLS record and a socket send. Here writes only append to a pooled buffer; a flush starts one
/// background sender that hands the whole backlog to the SslStream in one write, so frames produced while the
/// previous batch is on the wire leave together. A flush waits only while the backlog exceeds
/// <see cref="MaxBacklog"/>, which bounds memory; a send failure surfaces on the next write or flush.
/// The buffers are rented on the first write and given back when the backlog is sent, so an idle connection holds
/// none (two eager 64 KiB buffers were 128 KiB per connection, most of a hub's memory with 1,000 idle peers).
/// </remarks>
internal sealed class ActivityTrackingStream(Stream inner, TimeProvider time) : Stream
{
    /// <summary>Backlog at which a flush waits for the sender (bounds buffered bytes per connection).</summary>
    internal const int MaxBacklog = 256 * 1024;

    // A multiplexer frame is at most ~20 KiB; a bigger backlog grows the buffer by doubling.
    private const int InitialBuffer = 16 * 1024;

    /// <summary>How long dispose waits for the backlog to reach the SslStream before cutting it off.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly object _writeGate = new();
    private long _lastReceived = time.GetTimestamp();
    private volatile bool _ended;
    private byte[] _pending = [];
    private int _pendingLength;
    private byte[]? _spare;
    private bool _sending;
    private TaskCompletionSource? _batchSent;
    private ExceptionDispatchInfo? _sendFailure;
    private bool _disposed;

    public bool Ended => _ended;

    /// <summary>Bytes of write buffer this stream holds from the pool right now (0 when idle); for tests.</summary>
    internal int RentedBytes
    {
        get
        {
            lock (_writeGate)
            {
                return _pending.Length + (_spare?.Length ?? 0);
            }
        }
    }

    public TimeSpan SinceLastReceive => time.GetElapsedTime(Interlocked.Read(ref _lastReceived));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _ended = true;
            throw;
        }

        if (read == 0)
        {
            _ended = true;
        }
        else
        {
            Interlocked.Exchange(ref _lastReceived, time.GetTimestamp());
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Append(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Append(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Write(byte[] buffer, int offset, int count) => Append(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => Append(buffer);

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            bool start;
            lock (_writeGate)
            {
                _sendFailure?.Throw();
                ObjectDisposedException.ThrowIf(_disposed, this);
                start = TryClaimSender();
                if (!start && (_pendingLength < MaxBacklog || !_sending))
                {
                    return;
                }

                wait = _batchSent!.Task;
            }

            if (start)
            {
                // Started inline: while the socket keeps up this is one direct write, as without coalescing;
                // once a send has to wait, later frames gather behind it.
                _ = SendLoopAsync();
                continue;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    private void Append(ReadOnlySpan<byte> data)
    {
        lock (_writeGate)
        {
            _sendFailure?.Throw();
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_pending.Length - _pendingLength < data.Length)
            {
                var grown = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(_pending.Length * 2, InitialBuffer), _pendingLength + data.Length));
                _pending.AsSpan(0, _pendingLength).CopyTo(grown);
                ReturnToPool(_pending);
                _pending = grown;
            }

            data.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += data.Length;
        }
    }

    /// <summary>Under the gate: whether the caller must start the sender (backlog waiting, none running, healthy).</summary>
    private bool TryClaimSender()
    {
        if (_sending || _pendingLength == 0 || _sendFailure is not null || _disposed)
        {
            return false;
        }

        _sending = true;
        _batchSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return true;
    }

    /// <summary>Hands the backlog to the SslStream batch by batch until it is empty; one runs per stream at a time.</summary>
    private async Task SendLoopAsync()
    {
        while (true)
        {
            byte[] batch;
            int length;
            TaskCompletionSource? picked;
            lock (_writeGate)
            {
                picked = _batchSent;
                if (_pendingLength == 0 || _disposed)
                {
                    _sending = false;
                    _batchSent = null;
                    ReleaseIdleBuffers();
                    picked?.TrySetResult();
                    return;
                }

                // Swap buffers: writers keep appending to the spare (rented on demand) while this batch is sent.
                batch = _pending;
                length = _pendingLength;
                _pending = _spare ?? [];
                _spare = null;
                _pendingLength = 0;
                _batchSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            picked?.TrySetResult();
            try
            {
                await inner.WriteAsync(batch.AsMemory(0, length)).ConfigureAwait(false);
                await inner.FlushAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                lock (_writeGate)
                {
                    _sendFailure = ExceptionDispatchInfo.Capture(ex);
                    _sending = false;
                    picked = _batchSent;
                    _batchSent = null;
                }

                ReturnToPool(batch);
                picked?.TrySetResult();
                return;
            }

            lock (_writeGate)
            {
                if (_spare is null && !_disposed)
                {
                    _spare = batch;
                    batch = null!;
                }
            }

            if (batch is not null)
            {
                ReturnToPool(batch);
            }
        }
    }

    /// <summary>Under the gate, with nothing pending: gives both buffers back to the pool until the next write.</summary>
    private void ReleaseIdleBuffers()
    {
        ReturnToPool(_pending);
        _pending = [];
        if (_spare is not null)
        {
            ReturnToPool(_spare);
            _spare = null;
        }
    }

    private static void ReturnToPool(byte[] buffer)
    {
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Lets the backlog reach the SslStream (bounded by <see cref="DrainTimeout"/>), then stops writing.</summary>
    private async ValueTask DrainAsync()
    {
        var deadline = time.GetTimestamp();
        while (time.GetElapsedTime(deadline) < DrainTimeout)
        {
            Task wait;
            bool start;
            lock (_writeGate)
            {
                start = TryClaimSender();
                if (!start && !_sending)
                {
                    break;
                }

                wait = _batchSent!.Task;
            }

            if (start)
            {
                _ = SendLoopAsync();
                continue;
            }

            try
            {
                await wait.WaitAsync(DrainTimeout, time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                break;
            }
        }

        StopWriting();
    }

    /// <summary>Refuses further writes and gives the buffers back to the pool (a still-running batch returns its own).</summary>
    private void StopWriting()
    {
        lock (_writeGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _pendingLength = 0;
            ReleaseIdleBuffers();
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _ended = true;
        if (disposing)
        {
            StopWriting(); // a synchronous dispose cannot wait for the backlog; it is dropped

            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _ended = true;
        await DrainAsync().ConfigureAwait(false);
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
