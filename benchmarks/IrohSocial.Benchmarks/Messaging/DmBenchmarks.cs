using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Benchmarks.Messaging;

/// <summary>
/// Loopback DM: acknowledged-message throughput (1,000 messages through the outbox with its send window) and
/// latency at a fixed 100 msgs/s, with the in-memory store and with SQLite files. Baseline in the same run: what one
/// durable commit costs on this disk, a raw SQLite single-row insert + commit with WAL and synchronous=FULL.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --filter '*DmBenchmarks*'</c>.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class DmBenchmarks
{
    private const int Batch = 1000;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "irohsocial-bench-" + Guid.NewGuid().ToString("N"));
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<IDisposable> _keys = [];
    private DmClient _alice = null!;
    private DmClient _bob = null!;
    private int _delivered;
    private readonly ConcurrentDictionary<string, long> _deliveredAt = new();

    [Params("memory", "sqlite")]
    public string Store { get; set; } = "memory";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Directory.CreateDirectory(_folder);
        _alice = await StartAsync("alice");
        _bob = await StartAsync("bob");
        _alice.MessageDelivered += (_, e) =>
        {
            _deliveredAt[e.MessageId] = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _delivered);
        };
        // Establish the session and connection so iterations measure steady state.
        await SendAndWaitAsync(10);

        _raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "raw.db"), Pooling = false }.ToString());
        _raw.Open();
        using var setup = _raw.CreateCommand();
        setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB NOT NULL);";
        setup.ExecuteNonQuery();
        _rawInsert = _raw.CreateCommand();
        _rawInsert.CommandText = "INSERT INTO t(body) VALUES($b);";
        _rawInsert.Parameters.Add("$b", SqliteType.Blob);
        Random.Shared.NextBytes(_rawBody);
    }

    private SqliteConnection _raw = null!;
    private SqliteCommand _rawInsert = null!;
    private readonly byte[] _rawBody = new byte[200];

    private async Task<DmClient> StartAsync(string name)
    {
        var key = SecretKey.Generate();
        _keys.Add(key);
        IMessagingStore store;
        if (Store == "sqlite")
        {
            var sealer = new AtRestSealer(key);
            _keys.Add(sealer);
            store = await SqliteMessagingStore.OpenAsync(Path.Combine(_folder, name + ".db"), sealer);
        }
        else
        {
            store = new InMemoryMessagingStore();
        }

        var client = await DmClient.StartAsync(new DmClientOptions { SecretKey = key, Store = store, BindAddress = new IPEndPoint(IPAddress.Loopback, 0) });
        _owned.Add(client);
        _owned.Add(store);
        return client;
    }

    private async Task SendAndWaitAsync(int count)
    {
        var target = Volatile.Read(ref _delivered) + count;
        for (var i = 0; i < count; i++)
        {
            await _alice.SendMessageAsync(_bob.LocalAddress, "benchmark message of a typical length, about sixty characters");
        }

        while (Volatile.Read(ref _delivered) < target)
        {
            await Task.Delay(1);
        }
    }

    /// <summary>Baseline: 1,000 single-row inserts, each its own transaction, fsynced (WAL, synchronous=FULL).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public void RawSqliteDurableInsert()
    {
        for (var i = 0; i < Batch; i++)
        {
            using var transaction = _raw.BeginTransaction();
            _rawInsert.Transaction = transaction;
            _rawInsert.Parameters[0].Value = _rawBody;
            _rawInsert.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    /// <summary>1,000 messages, the app awaiting each send; time until all are acknowledged.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public Task AckedThroughput() => SendAndWaitAsync(Batch);

    /// <summary>The same 1,000 messages through <see cref="DmClient.SendMessagesAsync"/>, 100 per awaited call (one commit each).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task AckedThroughputBatched()
    {
        var target = Volatile.Read(ref _delivered) + Batch;
        for (var sent = 0; sent < Batch; sent += 100)
        {
            await _alice.SendMessagesAsync(_bob.LocalAddress, Enumerable.Repeat("benchmark message of a typical length, about sixty characters", 100));
        }

        while (Volatile.Read(ref _delivered) < target)
        {
            await Task.Delay(1);
        }
    }

    /// <summary>
    /// 200 messages at 100 msgs/s; reports the per-message send-to-acknowledged latency percentiles to the log
    /// (BenchmarkDotNet's own time here is dominated by the fixed pacing).
    /// </summary>
    [Benchmark]
    public async Task LatencyAt100PerSecond()
    {
        var sentAt = new Dictionary<string, long>();
        var target = Volatile.Read(ref _delivered) + 200;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < 200; i++)
        {
            var due = start + (long)(i * Stopwatch.Frequency / 100.0);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(1);
            }

            var sent = Stopwatch.GetTimestamp();
            var id = await _alice.SendMessageAsync(_bob.LocalAddress, "latency probe");
            sentAt[id] = sent;
        }

        while (Volatile.Read(ref _delivered) < target)
        {
            await Task.Delay(1);
        }

        var sorted = sentAt.Select(p => Stopwatch.GetElapsedTime(p.Value, _deliveredAt[p.Key]).TotalMilliseconds).Order().ToArray();
        _deliveredAt.Clear();
        if (sorted.Length > 0)
        {
            Console.WriteLine($"// DM latency ({Store}): n={sorted.Length} p50={sorted[sorted.Length / 2]:F2} ms p99={sorted[(int)(sorted.Length * 0.99)]:F2} ms max={sorted[^1]:F2} ms");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _rawInsert.Dispose();
        _raw.Dispose();
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        foreach (var key in _keys)
        {
            key.Dispose();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
