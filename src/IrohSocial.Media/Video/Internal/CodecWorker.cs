using System.Collections.Concurrent;
using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Video.Internal;

/// <summary>
/// One dedicated thread, at lowered priority, that runs a video stream's encode or decode calls one at a time. VP9 work
/// (tens of milliseconds a frame on a busy machine) used to run on thread-pool workers, which the transport's read and
/// write pumps (carrying audio) then waited for; here it yields to them and to the audio threads instead.
/// </summary>
internal sealed class CodecWorker : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];

    /// <summary>Starts the thread.</summary>
    /// <param name="name">Thread name.</param>
    public CodecWorker(string name) =>
        Completion = MediaThread.Start(name, urgent: false, () =>
        {
            foreach (Action work in _work.GetConsumingEnumerable())
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
        bool queued;
        try
        {
            queued = _work.TryAdd(() =>
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
        }
        catch (InvalidOperationException)
        {
            queued = false; // adding was completed: the worker is disposed
        }

        if (!queued)
        {
            result.TrySetException(new ObjectDisposedException(nameof(CodecWorker)));
        }

        return result.Task;
    }

    /// <summary>Lets the thread finish what is queued and end.</summary>
    public void Dispose() => _work.CompleteAdding();
}
