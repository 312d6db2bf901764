using System.Diagnostics;

namespace IrohSocial.Benchmarks.Calls;

/// <summary>
/// "Both cores busy": a child process (this benchmark again, <c>--busy-spin</c>) that spins one thread per core at
/// normal priority, as another program on the machine would. A separate process, so its CPU is not counted as the
/// call's and its threads compete through the OS scheduler, not through this process's thread pool.
/// </summary>
internal sealed class BusySpinner : IDisposable
{
    private readonly Process _process;

    private BusySpinner(Process process) => _process = process;

    public static BusySpinner Start(TimeSpan lifetime)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            info.ArgumentList.Add(typeof(BusySpinner).Assembly.Location);
        }

        info.ArgumentList.Add("--busy-spin");
        info.ArgumentList.Add(((int)lifetime.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new BusySpinner(Process.Start(info)!);
    }

    /// <summary>The child's body: spins every core until <paramref name="seconds"/> have passed (so it never outlives a crashed parent by long).</summary>
    public static void Spin(int seconds)
    {
        var deadline = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            double x = 1;
            while (deadline.Elapsed.TotalSeconds < seconds)
            {
                for (int i = 0; i < 100_000; i++)
                {
                    x = (x * 1.000001) + 1e-9;
                }
            }

            GC.KeepAlive(x);
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
