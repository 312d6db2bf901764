using System.Buffers.Binary;
using IrohSocial.Media.Audio;

namespace IrohSocial.Media.Tests.Audio;

/// <summary>
/// A call's playout thread may still be writing a frame when the app disposes the sink: the sizes in the header are
/// filled in after that write, never while it moves the stream's position (the demo's WAV once came out 212 bytes
/// longer than its header said).
/// </summary>
public sealed class WavFileSinkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DisposeWhileAFrameIsBeingWritten_WaitsForIt_AndTheHeaderCountsIt()
    {
        var stream = new HeldWriteStream();
        var sink = WavFileSink.Create(stream, leaveOpen: true);
        stream.HoldNextWrite();
        var write = sink.WriteFrameAsync(new short[AudioFormat.SamplesPerFrame], Ct).AsTask();
        await stream.WriteHeld.WaitAsync(Ct);

        var dispose = sink.DisposeAsync().AsTask();
        Assert.False(dispose.IsCompleted, "the header was written while a frame was still being written");

        stream.Release();
        await write;
        await dispose;
        var file = stream.ToArray();
        var dataBytes = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(40));
        Assert.Equal(AudioFormat.SamplesPerFrame * 2, dataBytes);
        Assert.Equal(44 + dataBytes, file.Length);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => sink.WriteFrameAsync(new short[AudioFormat.SamplesPerFrame], Ct).AsTask());
    }

    /// <summary>A memory stream whose next write, once asked to, waits until released.</summary>
    private sealed class HeldWriteStream : MemoryStream
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _holdNext;

        public Task WriteHeld => _held.Task;

        public void HoldNextWrite() => _holdNext = 1;

        public void Release() => _release.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _holdNext, 0) == 1)
            {
                var position = Position;
                _held.TrySetResult();
                await _release.Task.WaitAsync(cancellationToken);
                Position = position; // the write lands where it started, as a real asynchronous write would
            }

            Write(buffer.Span);
        }
    }
}
