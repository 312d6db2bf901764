using System.Diagnostics;

namespace IrohSocial.Hardening.Tests.Exhaustion;

/// <summary>
/// Samples this process's open file descriptors (sockets included), managed heap and working set while a test
/// runs, keeping the peaks. Linux: descriptors are counted in /proc/self/fd.
/// </summary>
internal sealed class ResourceProbe : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;

    private ResourceProbe()
    {
        Baseline = Sample();
        Peak = Baseline;
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Observe();
                try
                {
                    await Task.Delay(20, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public Snapshot Baseline { get; }

    public Snapshot Peak { get; private set; }

    public static ResourceProbe Start()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return new ResourceProbe();
    }

    public static Snapshot Sample() => new(
        Directory.Exists("/proc/self/fd") ? Directory.GetFiles("/proc/self/fd").Length : -1,
        GC.GetTotalMemory(forceFullCollection: false),
        Environment.WorkingSet);

    /// <summary>Takes a sample now (also done every 20 ms in the background).</summary>
    public Snapshot Observe()
    {
        var now = Sample();
        lock (_stop)
        {
            Peak = new Snapshot(Math.Max(Peak.Handles, now.Handles), Math.Max(Peak.ManagedBytes, now.ManagedBytes), Math.Max(Peak.WorkingSetBytes, now.WorkingSetBytes));
        }

        return now;
    }

    public string Describe(string what) =>
        $"{what}: handles {Baseline.Handles} -> peak {Peak.Handles}; managed {Baseline.ManagedBytes / 1048576} -> peak {Peak.ManagedBytes / 1048576} MiB; working set {Baseline.WorkingSetBytes / 1048576} -> peak {Peak.WorkingSetBytes / 1048576} MiB";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        _stop.Dispose();
    }

    internal readonly record struct Snapshot(int Handles, long ManagedBytes, long WorkingSetBytes);
}
