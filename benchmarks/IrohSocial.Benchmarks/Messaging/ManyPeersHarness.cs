using System.Diagnostics;
using System.Globalization;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite;
using IrohSocial.Transport;

namespace IrohSocial.Benchmarks.Messaging;

/// <summary>
/// Issue 23 item 4: one hub <see cref="DmClient"/> with N connected peers, each sending one message per second.
/// The hub runs in this process and the N client DmClients in a child process (<see cref="ManyPeersClients"/>), so the
/// hub's memory, thread pool and CPU are its own and not mixed with the cost of 1,000 client endpoints.
/// Phases: hub up (baseline) -> clients connect and each delivers one message (the hub now holds N connections,
/// N sessions) -> idle settle, full GC, memory per idle connection -> N x 1 msg/s with random phase for the run
/// time (latency measured in the client process: send call to the Delivered event, i.e. the hub's ack back).
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --many-peers [tcp|quic] [peers] [seconds] [memory|sqlite]</c>
/// (QUIC needs <c>LD_LIBRARY_PATH=../shared/native/linux-x64</c>).
/// </summary>
internal static class ManyPeersHarness
{
    public static async Task RunAsync(string[] args)
    {
        var providerName = args.Length > 0 ? args[0] : "tcp";
        var provider = providerName == "quic" ? TransportProvider.Quic : TransportProvider.TcpTls;
        var peers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;
        var sqlite = args.Length > 3 && args[3] == "sqlite";
        var folder = Path.Combine(Path.GetTempPath(), "irohsocial-many-peers-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        Console.WriteLine($"many-peers provider={provider} peers={peers} seconds={seconds} hub store={(sqlite ? "sqlite" : "memory")} cores={Environment.ProcessorCount} "
            + $"ulimit -n={ReadLimit("Max open files")} ports={ReadFile("/proc/sys/net/ipv4/ip_local_port_range")} load={LoadAverage()}");
        try
        {
            await RunHubAsync(folder, provider, providerName, peers, seconds, sqlite);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task RunHubAsync(string folder, TransportProvider provider, string providerName, int peers, int seconds, bool sqlite)
    {
        using var key = SecretKey.Generate();
        using var sealer = new AtRestSealer(key);
        IMessagingStore store = sqlite ? await SqliteMessagingStore.OpenAsync(Path.Combine(folder, "hub.db"), sealer) : new InMemoryMessagingStore();
        // The default MaxConnections (1,000) would refuse the last peers (and a redial); the pending-handshake budget
        // is the default one: clients connect in bounded batches.
        await using var endpoint = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = key, Provider = provider, BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Alpns = [Alpns.DirectMessages],
            MaxConnections = peers + 64,
        });
        await using var hub = await DmClient.StartAsync(new DmClientOptions
        {
            SecretKey = key, Store = store, Endpoint = endpoint, AttachmentDirectory = Path.Combine(folder, "hub-attachments"),
        });
        await using var router = hub.Register(new Router(endpoint));
        router.Start();
        var received = 0L;
        hub.MessageReceived += (_, _) => Interlocked.Increment(ref received);

        var baseline = MemorySnapshot.Take();
        using var child = StartClients(providerName, peers, seconds, hub.LocalAddress.ToTicket());
        var connectTimer = Stopwatch.StartNew();
        await ExpectAsync(child, "CONNECTED", TimeSpan.FromMinutes(10));
        Console.WriteLine($"connected {peers} peers in {connectTimer.Elapsed.TotalSeconds:0.0} s; hub received {Interlocked.Read(ref received)}");

        // Idle: nothing but keep-alives for a few seconds, so connection set-up garbage and pooled buffers settle.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idle = MemorySnapshot.Take();
        var perPeer = idle.Minus(baseline, peers);
        Console.WriteLine($"hub memory per idle connection (N={peers}): managed live {perPeer.ManagedLive / 1024.0:0.0} KiB, GC committed {perPeer.GcCommitted / 1024.0:0.0} KiB, "
            + $"RSS {perPeer.WorkingSet / 1024.0:0.0} KiB (native ~ RSS - GC committed: {(perPeer.WorkingSet - perPeer.GcCommitted) / 1024.0:0.0} KiB); "
            + $"threads {idle.Threads} (pool {idle.PoolThreads}) vs {baseline.Threads} (pool {baseline.PoolThreads}) before");

        var before = Interlocked.Read(ref received);
        using var sampler = new LoadSampler();
        await child.StandardInput.WriteLineAsync("GO");
        await child.StandardInput.FlushAsync();
        await ExpectAsync(child, "DONE", TimeSpan.FromSeconds(seconds + 120));
        var load = sampler.Stop();
        Console.WriteLine($"hub during the run: received {Interlocked.Read(ref received) - before} messages, CPU {load.CpuPercent:0}% of one core, "
            + $"thread pool max {load.MaxPoolThreads} threads (min {ThreadPoolMin()}), pending work items max {load.MaxPendingItems}, "
            + $"process threads max {load.MaxThreads}, gen2 GCs {load.Gen2Collections}; load={LoadAverage()}");
        await child.StandardInput.WriteLineAsync("EXIT");
        await child.WaitForExitAsync();
    }

    private static Process StartClients(string provider, int peers, int seconds, string ticket)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var info = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ManyPeersHarness).Assembly.Location);
        }

        foreach (var arg in new[] { "--many-peers-clients", provider, peers.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture), ticket })
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("Could not start the client process.");
    }

    /// <summary>Echoes the child's lines until <paramref name="marker"/>.</summary>
    private static async Task ExpectAsync(Process child, string marker, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (await child.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            if (line == marker)
            {
                return;
            }

            Console.WriteLine("  clients: " + line);
        }

        throw new InvalidOperationException($"The client process ended before {marker} (exit code {(child.HasExited ? child.ExitCode : -1)}).");
    }

    private static string ThreadPoolMin()
    {
        ThreadPool.GetMinThreads(out var workers, out _);
        return workers.ToString(CultureInfo.InvariantCulture);
    }

    internal static string LoadAverage() => ReadFile("/proc/loadavg") is { Length: > 0 } s ? string.Join(' ', s.Split(' ').Take(3)) : "?";

    private static string ReadFile(string path) => File.Exists(path) ? File.ReadAllText(path).Trim().Replace('\t', '-') : "?";

    private static string ReadLimit(string name) =>
        File.Exists("/proc/self/limits") ? File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?[26..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] ?? "?" : "?";
}

/// <summary>Process memory after a full blocking, compacting GC.</summary>
internal readonly record struct MemorySnapshot(long ManagedLive, long GcCommitted, long WorkingSet, int Threads, int PoolThreads)
{
    public static MemorySnapshot Take()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        return new MemorySnapshot(GC.GetTotalMemory(false), GC.GetGCMemoryInfo().TotalCommittedBytes, process.WorkingSet64, process.Threads.Count, ThreadPool.ThreadCount);
    }

    /// <summary>(this - earlier) / count, field by field.</summary>
    public MemorySnapshot Minus(MemorySnapshot earlier, int count) => new(
        (ManagedLive - earlier.ManagedLive) / count, (GcCommitted - earlier.GcCommitted) / count, (WorkingSet - earlier.WorkingSet) / count,
        Threads - earlier.Threads, PoolThreads - earlier.PoolThreads);
}

/// <summary>Samples thread pool size, queue length and process threads every 100 ms; CPU over the whole interval.</summary>
internal sealed class LoadSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TimeSpan _cpuStart;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly int _gen2Start = GC.CollectionCount(2);
    private int _maxPool;
    private long _maxPending;
    private int _maxThreads;

    public LoadSampler()
    {
        using var process = Process.GetCurrentProcess();
        _cpuStart = process.TotalProcessorTime;
        _loop = SampleAsync();
    }

    public (double CpuPercent, int MaxPoolThreads, long MaxPendingItems, int MaxThreads, int Gen2Collections) Stop()
    {
        _stop.Cancel();
        _loop.Wait();
        using var process = Process.GetCurrentProcess();
        var cpu = (process.TotalProcessorTime - _cpuStart).TotalMilliseconds / Stopwatch.GetElapsedTime(_start).TotalMilliseconds * 100;
        return (cpu, _maxPool, _maxPending, _maxThreads, GC.CollectionCount(2) - _gen2Start);
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                _maxPool = Math.Max(_maxPool, ThreadPool.ThreadCount);
                _maxPending = Math.Max(_maxPending, ThreadPool.PendingWorkItemCount);
                using var process = Process.GetCurrentProcess();
                _maxThreads = Math.Max(_maxThreads, process.Threads.Count);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _stop.Dispose();
}
