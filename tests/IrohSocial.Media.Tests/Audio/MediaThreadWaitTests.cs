using System.Runtime.CompilerServices;
using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Tests.Audio;

/// <summary>
/// <see cref="MediaThread.Wait(ValueTask)"/> blocks the media thread on a reused per-thread event: it must return each
/// task's own result, rethrow its own exception, and never return on a previous wait's signal. The tasks are pooled
/// async methods (backed by an IValueTaskSource, as the transport's are), whose result throws when read before it
/// completed, so a stale signal fails the test.
/// </summary>
public sealed class MediaThreadWaitTests
{
    [Fact]
    public async Task Wait_PendingTasksInARow_ReturnsEachResult()
    {
        var seen = new List<int>();
        await MediaThread.Start("test-media", urgent: false, () =>
        {
            for (int i = 0; i < 20; i++)
            {
                seen.Add(MediaThread.Wait(LaterAsync(i)));
            }
        }).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 20), seen);
    }

    [Fact]
    public async Task Wait_PendingTaskFails_RethrowsItsExceptionAndWaitsAfresh()
    {
        (string, int)? seen = null;
        await MediaThread.Start("test-media", urgent: false, () =>
        {
            try
            {
                MediaThread.Wait(FailLaterAsync());
            }
            catch (InvalidOperationException ex)
            {
                seen = (ex.Message, MediaThread.Wait(LaterAsync(7)));
            }
        }).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(("boom", 7), seen);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> LaterAsync(int value)
    {
        await Task.Delay(1).ConfigureAwait(false);
        return value;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask FailLaterAsync()
    {
        await Task.Delay(1).ConfigureAwait(false);
        throw new InvalidOperationException("boom");
    }
}
