using IrohSocial.Media.Video.Internal;

namespace IrohSocial.Media.Tests.Video;

public sealed class CodecWorkerTests
{
    [Fact]
    public async Task RunAsync_Work_RunsOffTheThreadPoolInOrder()
    {
        using var worker = new CodecWorker("test-codec");
        var order = new List<int>();
        var onPool = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => worker.RunAsync(() =>
        {
            order.Add(i); // only the worker thread touches the list
            return Thread.CurrentThread.IsThreadPoolThread;
        })));

        Assert.All(onPool, Assert.False);
        Assert.Equal(Enumerable.Range(0, 10), order);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_FaultsThatTaskOnly()
    {
        using var worker = new CodecWorker("test-codec");
        await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync<int>(() => throw new InvalidOperationException("boom")));
        Assert.Equal(42, await worker.RunAsync(() => 42));
    }

    [Fact]
    public async Task Dispose_WithWorkQueued_RunsItBeforeEnding()
    {
        var worker = new CodecWorker("test-codec");
        using var gate = new ManualResetEventSlim();
        var first = worker.RunAsync(() => gate.Wait(TimeSpan.FromSeconds(30)));
        var queued = Enumerable.Range(0, 5).Select(i => worker.RunAsync(() => i)).ToArray();
        worker.Dispose();
        gate.Set();

        var ct = TestContext.Current.CancellationToken;
        await worker.Completion.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(30), ct));
        Assert.Equal(Enumerable.Range(0, 5), await Task.WhenAll(queued).WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Fact]
    public async Task RunAsync_AfterDispose_ThrowsObjectDisposed()
    {
        var worker = new CodecWorker("test-codec");
        worker.Dispose();
        await worker.Completion.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => worker.RunAsync(() => 1));
    }
}
