using CsCheck;
using IrohSocial.Media.Calls.Internal;

namespace IrohSocial.Media.Tests.Calls;

/// <summary>Call signals are handled in arrival order per call and concurrently across calls.</summary>
public sealed class KeyedSerialQueueTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SameKey_WaitsForTheItemAhead_OtherKeysDoNot()
    {
        var queue = new KeyedSerialQueue<string>();
        var firstMayFinish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondStarted = false;
        var first = queue.Enqueue("call-1", () => firstMayFinish.Task);
        var second = queue.Enqueue("call-1", () =>
        {
            secondStarted = true;
            return Task.CompletedTask;
        });

        await queue.Enqueue("call-2", () => Task.CompletedTask).WaitAsync(Wait, TestContext.Current.CancellationToken); // another call is not held up
        Assert.False(secondStarted);
        Assert.False(first.IsCompleted);

        firstMayFinish.SetResult();
        await second.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.True(secondStarted);
    }

    [Fact]
    public async Task AFailedItem_DoesNotStopTheItemsBehindIt_AndFinishedKeysAreForgotten()
    {
        var queue = new KeyedSerialQueue<string>();
        var failed = queue.Enqueue("k", () => Task.FromException(new InvalidOperationException("boom")));
        var ran = false;
        await queue.Enqueue("k", () =>
        {
            ran = true;
            return Task.CompletedTask;
        }).WaitAsync(Wait, TestContext.Current.CancellationToken);

        Assert.True(ran);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed);
        Assert.Equal(0, queue.PendingKeys);
    }

    [Fact]
    public void PerKeyOrder_IsArrivalOrder_ForAnyInterleaving()
    {
        Gen.Int[0, 3].Array[1, 60].Sample(keys =>
        {
            var queue = new KeyedSerialQueue<int>();
            var seen = new List<int>[4];
            for (var k = 0; k < seen.Length; k++)
            {
                seen[k] = [];
            }

            var tasks = new List<Task>();
            for (var i = 0; i < keys.Length; i++)
            {
                var (key, index) = (keys[i], i);
                tasks.Add(queue.Enqueue(key, async () =>
                {
                    await Task.Yield(); // let other keys interleave
                    lock (seen[key])
                    {
                        seen[key].Add(index);
                    }
                }));
            }

            Assert.True(Task.WaitAll([.. tasks], Wait));
            for (var k = 0; k < seen.Length; k++)
            {
                var expected = Enumerable.Range(0, keys.Length).Where(i => keys[i] == k).ToList();
                Assert.Equal(expected, seen[k]);
            }
        }, iter: 200);
    }
}
