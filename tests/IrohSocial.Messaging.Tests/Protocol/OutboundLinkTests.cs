using System.Collections.Concurrent;
using CsCheck;
using IrohSocial.Messaging.Internal;

namespace IrohSocial.Messaging.Tests.Protocol;

/// <summary>
/// The envelope link writes what is queued together as one write (frames that leave together arrive together, so the
/// peer's group commit takes them as one batch), in order, and a frame bigger than the coalescing buffer still goes.
/// </summary>
public sealed class OutboundLinkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FramesQueuedWhileAWriteIsInFlight_GoOutInOneWrite_InOrder()
    {
        var stream = new RecordingStream();
        stream.HoldWrites();
        await using var link = new OutboundLink(stream, (_, _) => { });
        Assert.True(link.TryEnqueue([1]));
        await stream.FirstWriteStarted.WaitAsync(Ct); // the writer holds frame 1 in its write

        for (byte i = 2; i <= 20; i++)
        {
            Assert.True(link.TryEnqueue([i, i]));
        }

        stream.ReleaseWrites();
        var frames = await stream.WaitForFramesAsync(20);

        Assert.Equal([[1], .. Enumerable.Range(2, 19).Select(i => new[] { (byte)i, (byte)i })], frames);
        Assert.Equal(2, stream.Writes.Count); // frame 1 alone, then the 19 queued behind it as one write
    }

    [Fact]
    public async Task AFrameBiggerThanTheBuffer_GoesAlone_BetweenItsNeighbours()
    {
        var stream = new RecordingStream();
        stream.HoldWrites();
        await using var link = new OutboundLink(stream, (_, _) => { });
        Assert.True(link.TryEnqueue([1]));
        await stream.FirstWriteStarted.WaitAsync(Ct);
        var big = new byte[100_000];
        big.AsSpan().Fill(7);
        Assert.True(link.TryEnqueue([2]));
        Assert.True(link.TryEnqueue(big));
        Assert.True(link.TryEnqueue([3]));

        stream.ReleaseWrites();
        var frames = await stream.WaitForFramesAsync(4);

        Assert.Equal([[1], [2], big, [3]], frames);
    }

    [Fact]
    public void AnySequenceOfFrames_ArrivesWhole_AndInOrder() =>
        Gen.Byte.Array[1, 40_000].Array[1, 40].Sample(payloads =>
        {
            var stream = new RecordingStream();
            var link = new OutboundLink(stream, (_, _) => { });
            try
            {
                foreach (var payload in payloads)
                {
                    Assert.True(link.TryEnqueue(payload));
                }

                var frames = stream.WaitForFramesAsync(payloads.Length).GetAwaiter().GetResult();
                Assert.Equal(payloads, frames);
            }
            finally
            {
                link.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }, iter: 50);

    /// <summary>Records every write; can hold writes until released; reads block until disposed (the peer never writes).</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly MemoryStream _written = new();
        private readonly TaskCompletionSource _firstWriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<int> Writes { get; } = new();

        public Task FirstWriteStarted => _firstWriteStarted.Task;

        public void HoldWrites() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseWrites() => _release.TrySetResult();

        public RecordingStream() => _release.TrySetResult();

        public async Task<byte[][]> WaitForFramesAsync(int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                byte[] bytes;
                lock (_written)
                {
                    bytes = _written.ToArray();
                }

                var frames = Parse(bytes);
                if (frames.Count >= count)
                {
                    return [.. frames];
                }

                Assert.True(DateTime.UtcNow < deadline, $"only {frames.Count} of {count} frames were written");
                await Task.Delay(10, Ct);
            }
        }

        private static List<byte[]> Parse(byte[] bytes)
        {
            var frames = new List<byte[]>();
            var at = 0;
            while (bytes.Length - at >= FrameCodec.HeaderSize)
            {
                var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
                if (bytes.Length - at - FrameCodec.HeaderSize < length)
                {
                    break;
                }

                frames.Add(bytes.AsSpan(at + FrameCodec.HeaderSize, length).ToArray());
                at += FrameCodec.HeaderSize + length;
            }

            return frames;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _firstWriteStarted.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
            lock (_written)
            {
                _written.Write(buffer.Span);
            }

            Writes.Enqueue(buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _disposed.Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        protected override void Dispose(bool disposing)
        {
            _disposed.TrySetResult();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
