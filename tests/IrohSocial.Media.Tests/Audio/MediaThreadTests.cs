using System.IO.Pipelines;
using IrohSocial.Crypto;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Audio;

/// <summary>
/// Audio capture pacing and playout run on dedicated threads, never on the thread pool: under CPU load a pool worker
/// is what a 20 ms tick waited for (ticks up to 180 ms late in the call harness, see docs/benchmarks.md).
/// </summary>
public sealed class MediaThreadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SenderAndReceiver_ReadSourceAndWriteSink_OffTheThreadPool()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var pipe = new Pipe();
        (CallKeys caller, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var source = new ThreadRecordingSource();
        var sink = new ThreadRecordingSink();
        await using AudioSender sender = await AudioSender.StartAsync(TestKeys.CallId, caller, pipe.Writer.AsStream(), source, timeProvider: time, cancellationToken: Ct);
        await using AudioReceiver receiver = await AudioReceiver.StartAsync(TestKeys.CallId, callee, pipe.Reader.AsStream(), sink, timeProvider: time, cancellationToken: Ct);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (source.Reads < 5 || sink.Writes < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Delay(5, Ct);
        }

        Assert.False(source.OnPoolThread, "the send loop read the source on a thread-pool thread");
        Assert.False(sink.OnPoolThread, "the playout loop wrote the sink on a thread-pool thread");
    }

    private sealed class ThreadRecordingSource : IAudioSource
    {
        private int _reads;
        private volatile bool _onPool;

        public int Reads => Volatile.Read(ref _reads);

        public bool OnPoolThread => _onPool;

        public ValueTask<bool> ReadFrameAsync(Memory<short> frame, CancellationToken cancellationToken = default)
        {
            _onPool |= Thread.CurrentThread.IsThreadPoolThread;
            frame.Span.Fill(1000);
            Interlocked.Increment(ref _reads);
            return ValueTask.FromResult(true);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class ThreadRecordingSink : IAudioSink
    {
        private int _writes;
        private volatile bool _onPool;

        public int Writes => Volatile.Read(ref _writes);

        public bool OnPoolThread => _onPool;

        public ValueTask WriteFrameAsync(ReadOnlyMemory<short> frame, CancellationToken cancellationToken = default)
        {
            _onPool |= Thread.CurrentThread.IsThreadPoolThread;
            Interlocked.Increment(ref _writes);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
