using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace IrohSocial.Benchmarks.Transport;

/// <summary>
/// Measurement reference only (not product code): about the cheapest multiplexer over one TLS stream, so the
/// benchmark can tell what one TLS connection allows from what MultiplexingStream costs. Frames are
/// <c>[u32 stream][u32 length][payload]</c> of up to 64 KiB (header included) written straight to the stream (one copy to add the
/// header); length <see cref="CreditMarker"/> carries a <c>u64</c> window credit instead; length 0 is FIN. Each
/// stream has a fixed receive window with credit returned every quarter window, like the product's flow control.
/// It has no error handling beyond stopping: it only ever talks to itself on loopback.
/// </summary>
internal sealed class MinimalMux
{
    // Header included, a full frame is exactly four 16 KiB TLS records.
    private const int MaxFrame = (64 * 1024) - 8;
    /// <summary>Length field of a credit frame.</summary>
    internal const uint CreditMarker = uint.MaxValue;

    private readonly Stream _transport;
    private readonly int _window;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, MinimalMuxStream> _streams = new();
    private readonly Channel<MinimalMuxStream> _accepted = Channel.CreateUnbounded<MinimalMuxStream>();
    private uint _nextId;

    public MinimalMux(Stream transport, int window, bool isClient)
    {
        _transport = transport;
        _window = window;
        _nextId = isClient ? 1u : 2u;
        _ = ReadLoopAsync();
    }

    public ChannelReader<MinimalMuxStream> Accepted => _accepted.Reader;

    public MinimalMuxStream Open()
    {
        var id = Interlocked.Add(ref _nextId, 2) - 2;
        var stream = new MinimalMuxStream(this, id, _window);
        _streams[id] = stream;
        return stream;
    }

    internal async ValueTask SendFrameAsync(uint id, uint lengthField, ReadOnlyMemory<byte> payload)
    {
        var frame = ArrayPool<byte>.Shared.Rent(8 + payload.Length);
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame, id);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), lengthField);
            payload.Span.CopyTo(frame.AsSpan(8));
            await _writeLock.WaitAsync().ConfigureAwait(false);
            try
            {
                await _transport.WriteAsync(frame.AsMemory(0, 8 + payload.Length)).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    internal static int FrameSize(int remaining, long credit) => (int)Math.Min(Math.Min(remaining, MaxFrame), credit);

    private async Task ReadLoopAsync()
    {
        var header = new byte[8];
        var credit = new byte[8];
        try
        {
            while (true)
            {
                await _transport.ReadExactlyAsync(header).ConfigureAwait(false);
                var id = BinaryPrimitives.ReadUInt32BigEndian(header);
                var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
                if (!_streams.TryGetValue(id, out var stream))
                {
                    stream = new MinimalMuxStream(this, id, _window);
                    _streams[id] = stream;
                    _accepted.Writer.TryWrite(stream);
                }

                if (length == CreditMarker)
                {
                    await _transport.ReadExactlyAsync(credit).ConfigureAwait(false);
                    stream.OnCredit((long)BinaryPrimitives.ReadUInt64BigEndian(credit));
                }
                else if (length == 0)
                {
                    await stream.Inbound.Writer.CompleteAsync().ConfigureAwait(false);
                    _streams.TryRemove(id, out _);
                }
                else if (length <= MaxFrame)
                {
                    // Decrypted straight into the stream's pipe: no copy beyond the one the reader makes.
                    var target = stream.Inbound.Writer.GetMemory((int)length)[..(int)length];
                    await _transport.ReadExactlyAsync(target).ConfigureAwait(false);
                    stream.Inbound.Writer.Advance((int)length);
                    await stream.Inbound.Writer.FlushAsync().ConfigureAwait(false); // never pauses: threshold above the window
                }
                else
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or EndOfStreamException or InvalidOperationException)
        {
            // transport closed
        }
    }
}

/// <summary>One stream of <see cref="MinimalMux"/>: window-limited writes, pipe-buffered reads.</summary>
internal sealed class MinimalMuxStream : Stream
{
    private readonly MinimalMux _mux;
    private readonly uint _id;
    private readonly int _window;
    private readonly object _gate = new();
    private long _sendCredit;
    private long _consumedSinceCredit;
    private TaskCompletionSource _creditArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MinimalMuxStream(MinimalMux mux, uint id, int window)
    {
        _mux = mux;
        _id = id;
        _window = window;
        _sendCredit = window;
        Inbound = new Pipe(new PipeOptions(pauseWriterThreshold: window + 1, resumeWriterThreshold: window + 1, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
    }

    internal Pipe Inbound { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    internal void OnCredit(long credit)
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            _sendCredit += credit;
            wake = _creditArrived;
        }

        wake.TrySetResult();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            int n;
            Task wait;
            lock (_gate)
            {
                n = MinimalMux.FrameSize(buffer.Length, _sendCredit);
                _sendCredit -= n;
                if (n == 0 && _creditArrived.Task.IsCompleted)
                {
                    _creditArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wait = _creditArrived.Task;
            }

            if (n == 0)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            await _mux.SendFrameAsync(_id, (uint)n, buffer[..n]).ConfigureAwait(false);
            buffer = buffer[n..];
        }
    }

    /// <summary>Sends FIN.</summary>
    public ValueTask CompleteWritesAsync() => _mux.SendFrameAsync(_id, 0, ReadOnlyMemory<byte>.Empty);

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var result = await Inbound.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var n = (int)Math.Min(result.Buffer.Length, destination.Length);
        result.Buffer.Slice(0, n).CopyTo(destination.Span);
        Inbound.Reader.AdvanceTo(result.Buffer.GetPosition(n));
        _consumedSinceCredit += n;
        if (_consumedSinceCredit >= _window / 4)
        {
            var credit = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(credit, (ulong)_consumedSinceCredit);
            _consumedSinceCredit = 0;
            await _mux.SendFrameAsync(_id, MinimalMux.CreditMarker, credit).ConfigureAwait(false);
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
