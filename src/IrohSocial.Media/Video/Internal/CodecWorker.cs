using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Video.Internal;

/// <summary>
/// One dedicated thread, at lowered priority, that runs a video stream's encode or decode calls one at a time. VP9 work
/// (tens of milliseconds a frame on a busy machine) used to run on thread-pool workers, which the transport's read and
/// write pumps (carrying audio) then waited for; here it yields to them and to the audio threads instead.
/// </summary>
internal sealed class CodecWorker : IDisposable
{
    // A plain queue under a monitor rather than BlockingCollection: the thread waits once per frame, and
    // BlockingCollection's SemaphoreSlim spins (sched_yield) before it sleeps, which was 3 % of a video call's CPU
    // in the call harness for nothing (the next frame is tens of milliseconds away).
    private readonly Queue<Action> _work = new();
    private bool _completed;

    /// <summary>Starts the thread.</summary>
    /// <param name="name">Thread name.</param>
    public CodecWorker(string name) =>
        Completion = MediaThread.Start(name, urgent: false, () =>
        {
            while (Take() is { } work)
            {
                work();
            }
        });

    /// <summary>Completes when the thread has run everything queued before <see cref="Dispose"/> and ended.</summary>
    public Task Completion { get; }

    /// <summary>Runs <paramref name="work"/> on the worker thread; the task ends as the work does.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_work)
        {
            if (!_completed)
            {
                _work.Enqueue(() =>
                {
                    try
                    {
                        result.TrySetResult(work());
                    }
                    catch (Exception ex)
                    {
                        result.TrySetException(ex);
                    }
                });
                Monitor.Pulse(_work);
                return result.Task;
            }
        }

        result.TrySetException(new ObjectDisposedException(nameof(CodecWorker)));
        return result.Task;
    }

    /// <summary>Lets the thread finish what is queued and end.</summary>
    public void Dispose()
    {
        lock (_work)
        {
            _completed = true;
            Monitor.Pulse(_work);
        }
    }

    /// <summary>The next piece of work, waiting without spinning; null once disposed and drained.</summary>
    private Action? Take()
    {
        lock (_work)
        {
            while (true)
            {
                if (_work.TryDequeue(out var work))
                {
                    return work;
                }

                if (_completed)
                {
                    return null;
                }

                Monitor.Wait(_work);
            }
        }
    }
}
