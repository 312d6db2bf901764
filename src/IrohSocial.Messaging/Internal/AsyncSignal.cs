namespace IrohSocial.Messaging.Internal;

/// <summary>
/// An auto-reset signal awaited by one loop (hand-written because the BCL has none that is async; a
/// SemaphoreSlim would count repeated wakes, which we want to coalesce).
/// </summary>
internal sealed class AsyncSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _set;

    public void Set()
    {
        lock (_gate)
        {
            _set = true;
            _tcs.TrySetResult();
        }
    }

    /// <summary>Forgets a pending signal (the work it asked for is about to happen anyway).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Completes when set (consuming the signal) or when <paramref name="timeout"/> passes on <paramref name="time"/>.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
                return true;
            }

            wait = _tcs.Task;
        }

        if (timeout != Timeout.InfiniteTimeSpan)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(timeout, time, cts.Token);
            var first = await Task.WhenAny(wait, delay).ConfigureAwait(false);
            await cts.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (first != wait)
            {
                return false;
            }
        }
        else
        {
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _set = false;
            _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return true;
    }
}
