using System.Runtime.InteropServices;

namespace IrohSocial.Media.Audio.Internal;

/// <summary>
/// Runs a real-time media loop (audio capture pacing, playout) on its own thread instead of the thread pool. Under
/// CPU load the pool is the bottleneck: a timer's continuation waits for a free worker behind video encoding, TLS and
/// decoding work, so a 20 ms tick woke up to 180 ms late in the call harness. A dedicated thread that sleeps on its
/// own wait handle is woken by the kernel at its deadline, and the Linux scheduler favours a thread that mostly sleeps.
/// Priority is raised where the OS allows it (best effort: an unprivileged Linux process may not lower its nice value).
/// </summary>
internal static partial class MediaThread
{
    /// <summary>Nice value asked for on Linux: as favoured as a desktop's sound server asks for, without real-time scheduling.</summary>
    private const int AudioNice = -10;

    /// <summary>Nice value for background media work (video encoding) that must yield to audio.</summary>
    private const int BackgroundNice = 5;

    /// <summary>Starts <paramref name="body"/> on a new background thread; the task ends as the body does.</summary>
    /// <param name="name">Thread name (shows in debuggers and traces).</param>
    /// <param name="urgent">True for audio (raised priority), false for background media work (lowered).</param>
    /// <param name="body">The loop.</param>
    public static Task Start(string name, bool urgent, Action body)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            SetCurrentPriority(urgent);
            try
            {
                body();
                completion.TrySetResult();
            }
            catch (OperationCanceledException ex)
            {
                completion.TrySetCanceled(ex.CancellationToken);
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return completion.Task;
    }

    // One event per media thread for Wait: it sleeps on it without spinning (spinCount 0). Task.Wait would spin with
    // sched_yield first, which on two cores hands the CPU back and forth with the thread pool's own spinning; the
    // transport's reply is milliseconds away, never a few microseconds.
    [ThreadStatic]
    private static ManualResetEventSlim? t_signal;

    [ThreadStatic]
    private static Action? t_set;

    /// <summary>Waits for <paramref name="task"/> on this (dedicated) thread without going through the thread pool when it already completed.</summary>
    public static void Wait(ValueTask task)
    {
        var awaiter = task.ConfigureAwait(false).GetAwaiter();
        if (!awaiter.IsCompleted)
        {
            awaiter.UnsafeOnCompleted(ArmSignal());
            t_signal!.Wait();
        }

        awaiter.GetResult();
    }

    /// <inheritdoc cref="Wait(ValueTask)"/>
    public static T Wait<T>(ValueTask<T> task)
    {
        var awaiter = task.ConfigureAwait(false).GetAwaiter();
        if (!awaiter.IsCompleted)
        {
            awaiter.UnsafeOnCompleted(ArmSignal());
            t_signal!.Wait();
        }

        return awaiter.GetResult();
    }

    /// <summary>Resets this thread's event and returns the continuation that sets it.</summary>
    private static Action ArmSignal()
    {
        var signal = t_signal ??= new ManualResetEventSlim(false, spinCount: 0);
        signal.Reset();
        return t_set ??= signal.Set;
    }

    private static void SetCurrentPriority(bool urgent)
    {
        try
        {
            Thread.CurrentThread.Priority = urgent ? ThreadPriority.Highest : ThreadPriority.BelowNormal;
        }
        catch (Exception ex) when (ex is ThreadStateException or PlatformNotSupportedException)
        {
        }

        if (OperatingSystem.IsLinux())
        {
            // .NET maps Thread.Priority to nothing on Linux (SCHED_OTHER has one static priority); the per-thread
            // nice value is what the scheduler weighs. Failure (EACCES without CAP_SYS_NICE) leaves the default.
            try
            {
                _ = SetPriority(0 /* PRIO_PROCESS: with a thread id, that thread */, GetThreadId(), urgent ? AudioNice : BackgroundNice);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}
