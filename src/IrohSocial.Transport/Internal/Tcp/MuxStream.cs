using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using MxChannel = Nerdbank.Streams.MultiplexingStream.Channel;

namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>
/// A stream on one multiplexer channel. Channel content: <c>[u8 kind: 0 bidi, 1 uni]</c> then chunks
/// <c>[u32 length][bytes]</c>; a zero-length chunk is FIN. The explicit FIN is why a reader can tell a finished
/// stream from one cut off by a lost connection or an abort (the multiplexer reports both as end of data).
/// Aborts travel as RESET_STREAM on the control channel; the receiving side then terminates the channel.
/// </summary>
internal sealed class MuxStream : StreamCore
{
    /// <summary>Largest chunk a writer produces; readers accept any length (they never buffer a whole chunk).</summary>
    public const int MaxChunk = 64 * 1024;

    private const byte KindBidirectional = 0;
    private const byte KindUnidirectional = 1;

    private readonly MuxConnection _connection;
    private readonly MxChannel _channel;
    private readonly bool _local;
    private readonly object _gate = new();
    private long _chunkRemaining;
    private bool _readsFinished;
    private bool _writesCompleted;
    private bool _aborted;
    private bool _abortedByPeer;
    private long _abortCode;

    public MuxStream(MuxConnection connection, MxChannel channel, bool bidirectional, bool local)
    {
        _connection = connection;
        _channel = channel;
        _local = local;
        IsBidirectional = bidirectional;
        CanRead = bidirectional || !local;
        CanWrite = bidirectional || local;
        var initiatedByServer = local ? !connection.IsClient : connection.IsClient;

        // QUIC-style numbering: bit 0 = initiated by the server, bit 1 = unidirectional.
        Id = (long)(channel.QualifiedId.Id << 2) | (initiatedByServer ? 1L : 0L) | (bidirectional ? 0L : 2L);
    }

    public override long Id { get; }

    public override bool IsBidirectional { get; }

    public override bool CanRead { get; }

    public override bool CanWrite { get; }

    /// <summary>Reads the kind byte that opens every channel: true = bidirectional, false = unidirectional, null = invalid.</summary>
    public static async ValueTask<bool?> ReadKindAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.Buffer.Length >= 1)
            {
                var kind = result.Buffer.FirstSpan[0];
                input.AdvanceTo(result.Buffer.GetPosition(1));
                return kind switch
                {
                    KindBidirectional => true,
                    KindUnidirectional => false,
                    _ => null,
                };
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                throw new InvalidOperationException("The channel ended before its kind byte.");
            }
        }
    }

    public async ValueTask StartAsOpenerAsync(CancellationToken cancellationToken)
    {
        _channel.Output.GetSpan(1)[0] = IsBidirectional ? KindBidirectional : KindUnidirectional;
        _channel.Output.Advance(1);
        await FlushOrThrowAsync(cancellationToken).ConfigureAwait(false);
        if (!CanRead)
        {
            _readsFinished = true;
            _channel.Input.Complete(); // unidirectional: the reverse direction is closed at once
        }
    }

    public void StartAsAcceptor()
    {
        if (!CanWrite)
        {
            _writesCompleted = true;
            _channel.Output.Complete();
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (!CanRead)
        {
            throw new InvalidOperationException("This unidirectional stream was opened locally and cannot be read.");
        }

        ThrowIfAborted();
        if (_readsFinished || destination.IsEmpty)
        {
            return 0;
        }

        var input = _channel.Input;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                throw await EndedWithoutFinAsync().ConfigureAwait(false);
            }

            if (result.IsCanceled)
            {
                ThrowIfAborted();
                continue;
            }

            var buffer = result.Buffer;
            var copied = Consume(ref buffer, destination.Span, out var fin);
            if (fin)
            {
                input.AdvanceTo(buffer.Start);
                _readsFinished = true;
                await input.CompleteAsync().ConfigureAwait(false);
                return copied;
            }

            if (copied > 0)
            {
                input.AdvanceTo(buffer.Start);
                return copied;
            }

            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.Start);
                throw await EndedWithoutFinAsync().ConfigureAwait(false);
            }

            input.AdvanceTo(buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>Copies chunk payload from <paramref name="buffer"/> into <paramref name="destination"/>, stopping at FIN.</summary>
    private int Consume(ref ReadOnlySequence<byte> buffer, Span<byte> destination, out bool fin)
    {
        fin = false;
        var copied = 0;
        Span<byte> header = stackalloc byte[4];
        while (copied < destination.Length)
        {
            if (_chunkRemaining == 0)
            {
                if (buffer.Length < 4)
                {
                    break;
                }

                buffer.Slice(0, 4).CopyTo(header);
                buffer = buffer.Slice(4);
                var length = BinaryPrimitives.ReadUInt32BigEndian(header);
                if (length == 0)
                {
                    fin = true;
                    break;
                }

                _chunkRemaining = length;
            }

            var n = (int)Math.Min(Math.Min(_chunkRemaining, buffer.Length), destination.Length - copied);
            if (n == 0)
            {
                break;
            }

            buffer.Slice(0, n).CopyTo(destination[copied..]);
            buffer = buffer.Slice(n);
            _chunkRemaining -= n;
            copied += n;
        }

        return copied;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, bool completeWrites, CancellationToken cancellationToken)
    {
        if (!CanWrite)
        {
            throw new InvalidOperationException("This unidirectional stream was opened by the peer and cannot be written.");
        }

        ThrowIfAborted();
        if (_writesCompleted)
        {
            throw new InvalidOperationException("Writes on this stream were already completed.");
        }

        while (!buffer.IsEmpty)
        {
            var n = Math.Min(buffer.Length, MaxChunk);
            WriteChunk(_channel.Output, buffer.Span[..n]);
            buffer = buffer[n..];
            await FlushOrThrowAsync(cancellationToken).ConfigureAwait(false);
        }

        if (completeWrites)
        {
            CompleteWrites();
        }
    }

    private static void WriteChunk(PipeWriter output, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        output.Write(header);
        output.Write(data);
    }

    public override ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask; // every write flushes

    public override void CompleteWrites()
    {
        lock (_gate)
        {
            if (!CanWrite || _writesCompleted || _aborted)
            {
                return;
            }

            _writesCompleted = true;
        }

        try
        {
            WriteChunk(_channel.Output, ReadOnlySpan<byte>.Empty); // FIN: a zero-length chunk
            _channel.Output.Complete();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // the channel is already gone; the reader learns why from the connection
        }
    }

    public override void Abort(long errorCode)
    {
        CloseCodes.ValidateStreamCode(errorCode, nameof(errorCode));
        lock (_gate)
        {
            if (_aborted || (_readsFinished && _writesCompleted))
            {
                return;
            }

            _aborted = true;
            _abortCode = errorCode;
        }

        // The channel stays open until the peer has read RESET_STREAM and terminates it, so the peer never sees a
        // bare end of channel before it knows the code.
        _connection.SendReset(_local, _channel.QualifiedId.Id, errorCode);
        WakePending();
    }

    /// <summary>The peer aborted the stream: remember its code, then end the channel on both sides.</summary>
    public void OnPeerReset(long errorCode)
    {
        lock (_gate)
        {
            if (!_aborted)
            {
                _aborted = true;
                _abortedByPeer = true;
                _abortCode = errorCode;
            }
        }

        WakePending();
        _channel.Dispose();
    }

    public override async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _aborted))
        {
            return;
        }

        CompleteWrites();
        if (CanRead && !_readsFinished)
        {
            _readsFinished = true;
            try
            {
                await _channel.Input.CompleteAsync().ConfigureAwait(false); // tells the peer to stop sending
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
            }
        }
    }

    private void WakePending()
    {
        try
        {
            _channel.Input.CancelPendingRead();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or NotSupportedException)
        {
        }

        try
        {
            _channel.Output.CancelPendingFlush();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or NotSupportedException)
        {
        }
    }

    private async ValueTask FlushOrThrowAsync(CancellationToken cancellationToken)
    {
        FlushResult result;
        try
        {
            result = await _channel.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            throw await WriteFailureAsync().ConfigureAwait(false);
        }

        if (result.IsCanceled)
        {
            ThrowIfAborted();
        }

        if (result.IsCompleted)
        {
            throw await WriteFailureAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<TransportException> WriteFailureAsync()
    {
        if (AbortException() is { } aborted)
        {
            return aborted;
        }

        return await _connection.TerminationErrorAsync().ConfigureAwait(false)
            ?? new TransportException(TransportError.StreamAborted, "The peer stopped reading this stream.", 0);
    }

    private async ValueTask<TransportException> EndedWithoutFinAsync()
    {
        if (AbortException() is { } aborted)
        {
            return aborted;
        }

        return await _connection.TerminationErrorAsync().ConfigureAwait(false)
            ?? AbortException()
            ?? new TransportException(TransportError.StreamAborted, "The peer ended the stream without finishing it.");
    }

    private void ThrowIfAborted()
    {
        if (AbortException() is { } exception)
        {
            throw exception;
        }
    }

    private TransportException? AbortException()
    {
        lock (_gate)
        {
            return _aborted
                ? new TransportException(TransportError.StreamAborted, $"The stream was aborted by {(_abortedByPeer ? "the peer" : "this endpoint")} with code {_abortCode}.", _abortCode)
                : null;
        }
    }
}
