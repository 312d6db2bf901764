namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// Runs work items with the same key one after another, in the order they were queued; items with different keys
/// run concurrently. Call signals need this: an Offer and the End that cancels it arrive back to back, and handling
/// each on its own task let the End overtake the Offer, leaving the callee ringing for a call the caller had ended.
/// </summary>
internal sealed class KeyedSerialQueue<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, Task> _tails = [];

    /// <summary>Queues <paramref name="work"/> behind the items already queued for <paramref name="key"/>; never runs it inline.</summary>
    public Task Enqueue(TKey key, Func<Task> work)
    {
        lock (_tails)
        {
            _tails.TryGetValue(key, out var previous);
            var next = RunAfterAsync(previous, work);
            _tails[key] = next;
            _ = next.ContinueWith(
                finished =>
                {
                    lock (_tails)
                    {
                        if (_tails.TryGetValue(key, out var tail) && tail == finished)
                        {
                            _tails.Remove(key); // nothing queued behind it: forget the key
                        }
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return next;
        }
    }

    /// <summary>Keys with work queued or running (for tests and diagnostics).</summary>
    public int PendingKeys
    {
        get
        {
            lock (_tails)
            {
                return _tails.Count;
            }
        }
    }

    private static async Task RunAfterAsync(Task? previous, Func<Task> work)
    {
        if (previous is null)
        {
            await Task.Yield(); // off the caller's thread (the DM receive loop raises the event)
        }
        else
        {
            await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await work().ConfigureAwait(false);
    }
}
