using System.Diagnostics;
using System.Globalization;

namespace IrohSocial.Benchmarks.Transport;

/// <summary>
/// Paired throughput ratios for a shared, noisy machine. BenchmarkDotNet measures one method after another, so a load
/// swing between them lands in the ratio; here every round runs one operation of each
/// <see cref="TransportBenchmarks"/> throughput method in a random order, and the ratio is taken per round.
/// Reports the median per-round ratio with a bootstrap 95% interval, and process CPU time per operation.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --transport-paired [rounds] [streams...]</c>.
/// </summary>
public static class TransportPairedRun
{
    private const int WarmupRounds = 10;

    public static async Task RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var streamCounts = args.Length > 1 ? args[1..].Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1, 8];
        foreach (var streams in streamCounts)
        {
            var suite = new TransportBenchmarks { Streams = streams };
            await suite.SetupAsync();
            try
            {
                await RunRoundsAsync(rounds, streams, new Dictionary<string, Func<Task>>
                {
                    ["RawSslStreamThroughput"] = suite.RawSslStreamThroughput,
                    ["EndpointThroughput"] = suite.EndpointThroughput,
                    ["MultiplexingStreamThroughput"] = suite.MultiplexingStreamThroughput,
                    ["MinimalMuxThroughput"] = suite.MinimalMuxThroughput,
                });
            }
            finally
            {
                await suite.CleanupAsync();
            }
        }
    }

    /// <summary>
    /// The same pairing for <see cref="QuicTransportBenchmarks"/>: the endpoint over QUIC (and over TCP) against raw
    /// System.Net.Quic streams, per round. Run: <c>... -- --quic-paired [rounds] [streams...] [--setups K]</c> (needs libmsquic).
    /// </summary>
    /// <remarks>
    /// One QUIC connection's throughput on this machine depends on where msquic put it (which worker thread serves the
    /// client and which the server side, and whether that worker is starved): two setups of the same code gave 0.28x and
    /// 1.14x. So a setup is one sample, not the answer: <c>--setups K</c> repeats the whole setup (fresh listeners and
    /// connections, raw and endpoint alike) K times and reports the median of the per-setup ratios beside their range.
    /// </remarks>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    public static async Task RunQuicAsync(string[] args)
    {
        var setups = 1;
        var setupsAt = Array.IndexOf(args, "--setups");
        if (setupsAt >= 0)
        {
            setups = int.Parse(args[setupsAt + 1], CultureInfo.InvariantCulture);
            args = [.. args[..setupsAt], .. args[(setupsAt + 2)..]];
        }

        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var streamCounts = args.Length > 1 ? args[1..].Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1, 8];
        foreach (var streams in streamCounts)
        {
            var perSetup = new List<Dictionary<string, (double Throughput, double Cpu)>>();
            var perSetupConnect = new List<Dictionary<string, (double Throughput, double Cpu)>>();
            var measureConnect = streams == streamCounts[0]; // a connect does not depend on the stream count
            for (var setup = 0; setup < setups; setup++)
            {
                var suite = new QuicTransportBenchmarks { Streams = streams };
                await suite.SetupAsync();
                try
                {
                    perSetup.Add(await RunRoundsAsync(rounds, streams, new Dictionary<string, Func<Task>>
                    {
                        ["RawQuicThroughput"] = suite.RawQuicThroughput,
                        ["EndpointQuicThroughput"] = suite.EndpointQuicThroughput,
                        ["EndpointTcpThroughput"] = suite.EndpointTcpThroughput,
                    }));
                    if (measureConnect)
                    {
                        perSetupConnect.Add(await RunRoundsAsync(rounds, streams, new Dictionary<string, Func<Task>>
                        {
                            ["RawQuicConnect"] = suite.RawQuicConnect,
                            ["EndpointQuicConnect"] = suite.EndpointQuicConnect,
                            ["EndpointTcpConnect"] = suite.EndpointTcpConnect,
                        }));
                    }
                }
                finally
                {
                    await suite.CleanupAsync();
                }
            }

            if (setups > 1)
            {
                PrintAcrossSetups($"Streams={streams}: {setups} setups x {rounds} rounds", perSetup, timeRatio: false);
                if (measureConnect)
                {
                    PrintAcrossSetups($"Connect: {setups} setups x {rounds} rounds", perSetupConnect, timeRatio: true);
                }
            }
        }
    }

    /// <summary>Prints each method's per-setup median ratio and the median across setups (time ratio = 1 / throughput ratio).</summary>
    private static void PrintAcrossSetups(string title, List<Dictionary<string, (double Throughput, double Cpu)>> perSetup, bool timeRatio)
    {
        Console.WriteLine($"{title}; per-setup median {(timeRatio ? "time" : "throughput")} ratios, then their median");
        Console.WriteLine($"| Method | {(timeRatio ? "Time" : "Throughput")} ratio per setup | Median of setups (min-max) | CPU ratio median of setups |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var name in perSetup[0].Keys)
        {
            var ratios = perSetup.Select(s => timeRatio ? 1 / s[name].Throughput : s[name].Throughput).ToArray();
            var cpu = perSetup.Select(s => s[name].Cpu).ToArray();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {name} | {string.Join(" ", ratios.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))} | {Quantile(ratios, 0.5):F2} ({ratios.Min():F2}-{ratios.Max():F2}) | {Quantile(cpu, 0.5):F2} |"));
        }
    }

    /// <summary>Runs the rounds, prints the table and returns each method's median throughput and CPU ratio to the baseline.</summary>
    private static async Task<Dictionary<string, (double Throughput, double Cpu)>> RunRoundsAsync(int rounds, int streams, Dictionary<string, Func<Task>> operations)
    {
        var names = operations.Keys.ToArray();
        var baseline = names[0];
        var wall = names.ToDictionary(n => n, _ => new List<double>());
        var cpu = names.ToDictionary(n => n, _ => new List<double>());
        var order = new Random(streams);
        using var process = Process.GetCurrentProcess();
        for (var round = -WarmupRounds; round < rounds; round++)
        {
            foreach (var name in names.OrderBy(_ => order.Next()))
            {
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                await operations[name]();
                var elapsed = Stopwatch.GetElapsedTime(started);
                process.Refresh();
                if (round >= 0)
                {
                    wall[name].Add(elapsed.TotalMilliseconds);
                    cpu[name].Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
                }
            }
        }

        Console.WriteLine($"Streams={streams}, rounds={rounds}, load average at the end: {LoadAverage()}");
        Console.WriteLine("| Method | Wall median (p25-p75) | CPU median | Throughput ratio, median of rounds (95% CI) | CPU ratio |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        var medians = new Dictionary<string, (double Throughput, double Cpu)>();
        foreach (var name in names)
        {
            // Throughput ratio = baseline time / this time in the same round (1.0 = as fast as the raw SslStream).
            var ratios = wall[name].Zip(wall[baseline], (time, baseTime) => baseTime / time).ToArray();
            var cpuRatios = cpu[name].Zip(cpu[baseline], (time, baseTime) => time / baseTime).ToArray();
            var (low, high) = BootstrapMedian(ratios);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {name} | {Quantile(wall[name], 0.5):F1} ms ({Quantile(wall[name], 0.25):F1}-{Quantile(wall[name], 0.75):F1}) | {Quantile(cpu[name], 0.5):F1} ms | {Quantile(ratios, 0.5):F2} ({low:F2}-{high:F2}) | {Quantile(cpuRatios, 0.5):F2} |"));
            medians[name] = (Quantile(ratios, 0.5), Quantile(cpuRatios, 0.5));
        }

        return medians;
    }

    private static (double Low, double High) BootstrapMedian(double[] values)
    {
        var random = new Random(1);
        var medians = new double[2000];
        var sample = new double[values.Length];
        for (var b = 0; b < medians.Length; b++)
        {
            for (var i = 0; i < sample.Length; i++)
            {
                sample[i] = values[random.Next(values.Length)];
            }

            medians[b] = Quantile(sample, 0.5);
        }

        return (Quantile(medians, 0.025), Quantile(medians, 0.975));
    }

    private static double Quantile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Round(q * (sorted.Length - 1))];
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
