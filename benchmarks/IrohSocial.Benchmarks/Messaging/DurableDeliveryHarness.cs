using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Storage.Sqlite;
using IrohSocial.Transport;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Benchmarks.Messaging;

/// <summary>
/// Whole-system durable delivery, where BenchmarkDotNet's per-method timing does not fit: two DmClients on loopback,
/// each on its own SQLite file (WAL, synchronous=FULL: every acknowledged message was fsynced first), in one process.
/// Per round, in a random order: the baseline (raw SQLite single-row insert + commit, synchronous=FULL, one fsync
/// per row), acked throughput with the app awaiting each send ("sequential"), and with the sends issued together
/// ("concurrent", as an app with many conversations or a paste of many lines does), and with SendMessagesAsync, 100
/// messages per awaited call ("batched"). Then latency at a paced
/// 100 msgs/s: send call to the Delivered event. Reports medians over the rounds and the ratio to the baseline.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --dm-harness [tcp|quic] [rounds] [messages]</c>.
/// </summary>
internal static class DurableDeliveryHarness
{
    public static async Task RunAsync(string[] args)
    {
        var provider = args.Length > 0 && args[0] == "quic" ? TransportProvider.Quic : TransportProvider.TcpTls;
        var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var batch = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2000;
        var window = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : new DmClientOptions { SecretKey = null!, Store = null! }.SendWindow;
        var folder = Path.Combine(Path.GetTempPath(), "irohsocial-dm-harness-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await using var pair = await Pair.StartAsync(folder, provider, window);
            using var raw = new RawSqlite(Path.Combine(folder, "raw.db"));
            await pair.SendAsync(50, "sequential"); // session, connection, JIT
            Console.WriteLine($"send window={window} provider={provider} rounds={rounds} messages/round={batch} cores={Environment.ProcessorCount} load={LoadAverage()}");
            var results = new Dictionary<string, List<double>> { ["raw"] = [], ["sequential"] = [], ["concurrent"] = [], ["batched"] = [] };
            // Commits (each one fsync) per acknowledged message, per side: where the durable steps go.
            var commits = new Dictionary<string, (long Alice, long Bob)> { ["raw"] = (0, 0), ["sequential"] = (0, 0), ["concurrent"] = (0, 0), ["batched"] = (0, 0) };
            var order = new[] { "raw", "sequential", "concurrent", "batched" };
            for (var round = 0; round < rounds; round++)
            {
                foreach (var kind in order.OrderBy(_ => Random.Shared.Next()))
                {
                    var (aliceBefore, bobBefore) = (pair.AliceCommits, pair.BobCommits);
                    var timer = Stopwatch.StartNew();
                    if (kind == "raw")
                    {
                        raw.InsertEach(batch);
                    }
                    else
                    {
                        await pair.SendAsync(batch, kind);
                    }

                    results[kind].Add(batch / timer.Elapsed.TotalSeconds);
                    var (aliceSum, bobSum) = commits[kind];
                    commits[kind] = (aliceSum + pair.AliceCommits - aliceBefore, bobSum + pair.BobCommits - bobBefore);
                }
            }

            var rawMedian = Median(results["raw"]);
            foreach (var kind in order)
            {
                var median = Median(results[kind]);
                Console.WriteLine($"{kind,-11} median {median,8:N0} msgs/s  ({string.Join(", ", results[kind].Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))})  ratio to raw durable insert {median / rawMedian:0.00}"
                    + (kind == "raw" ? "" : $"  commits per message alice={commits[kind].Alice / (double)(batch * rounds):0.000} bob={commits[kind].Bob / (double)(batch * rounds):0.000}"));
            }

            var (alicePaced, bobPaced) = (pair.AliceCommits, pair.BobCommits);
            var latencies = await pair.PacedAsync(100, TimeSpan.FromSeconds(5));
            Console.WriteLine($"latency at 100 msgs/s: n={latencies.Length} p50={Pct(latencies, 0.50):0.00} ms p95={Pct(latencies, 0.95):0.00} ms p99={Pct(latencies, 0.99):0.00} ms max={latencies[^1]:0.00} ms; commits per message alice={(pair.AliceCommits - alicePaced) / (double)latencies.Length:0.00} bob={(pair.BobCommits - bobPaced) / (double)latencies.Length:0.00}; load={LoadAverage()}");
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

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static double Pct(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>The baseline: what one durable commit costs on this disk.</summary>
    private sealed class RawSqlite : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _insert;
        private readonly byte[] _body = new byte[200];

        public RawSqlite(string path)
        {
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            _connection.Open();
            using var setup = _connection.CreateCommand();
            setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB NOT NULL);";
            setup.ExecuteNonQuery();
            _insert = _connection.CreateCommand();
            _insert.CommandText = "INSERT INTO t(body) VALUES($b);";
            _insert.Parameters.Add("$b", SqliteType.Blob).Value = _body;
            Random.Shared.NextBytes(_body);
        }

        public void InsertEach(int count)
        {
            for (var i = 0; i < count; i++)
            {
                using var transaction = _connection.BeginTransaction();
                _insert.Transaction = transaction;
                _insert.ExecuteNonQuery();
                transaction.Commit();
            }
        }

        public void Dispose()
        {
            _insert.Dispose();
            _connection.Dispose();
        }
    }

    private sealed class Pair : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];
        private readonly List<IDisposable> _keys = [];
        private readonly ConcurrentDictionary<string, long> _deliveredAt = new();
        private DmClient _alice = null!;
        private DmClient _bob = null!;
        private SqliteMessagingStore _aliceStore = null!;
        private SqliteMessagingStore _bobStore = null!;
        private int _delivered;

        public long AliceCommits => _aliceStore.CommitCount;

        public long BobCommits => _bobStore.CommitCount;

        public static async Task<Pair> StartAsync(string folder, TransportProvider provider, int window)
        {
            var pair = new Pair();
            (pair._alice, pair._aliceStore) = await pair.StartClientAsync(folder, "alice", provider, window);
            (pair._bob, pair._bobStore) = await pair.StartClientAsync(folder, "bob", provider, window);
            pair._alice.MessageDelivered += (_, e) =>
            {
                pair._deliveredAt[e.MessageId] = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref pair._delivered);
            };
            return pair;
        }

        private async Task<(DmClient, SqliteMessagingStore)> StartClientAsync(string folder, string name, TransportProvider provider, int window)
        {
            var key = SecretKey.Generate();
            var sealer = new AtRestSealer(key);
            _keys.Add(sealer);
            _keys.Add(key);
            var store = await SqliteMessagingStore.OpenAsync(Path.Combine(folder, name + ".db"), sealer);
            var client = await DmClient.StartAsync(new DmClientOptions
            {
                SecretKey = key, Store = store, Provider = provider, SendWindow = window, BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
                AttachmentDirectory = Path.Combine(folder, name + "-attachments"),
            });
            _owned.Add(client);
            _owned.Add(store);
            return (client, store);
        }

        public async Task SendAsync(int count, string kind)
        {
            var target = Volatile.Read(ref _delivered) + count;
            if (kind == "batched")
            {
                // SendMessagesAsync, 100 messages per call, the app awaiting each call.
                for (var sent = 0; sent < count; sent += 100)
                {
                    await _alice.SendMessagesAsync(_bob.LocalAddress, Enumerable.Repeat("benchmark message of a typical length, about sixty characters", Math.Min(100, count - sent)));
                }
            }
            else if (kind == "concurrent")
            {
                await Task.WhenAll(Enumerable.Range(0, count).Select(_ => _alice.SendMessageAsync(_bob.LocalAddress, "benchmark message of a typical length, about sixty characters")));
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    await _alice.SendMessageAsync(_bob.LocalAddress, "benchmark message of a typical length, about sixty characters");
                }
            }

            var deadline = Stopwatch.StartNew();
            while (Volatile.Read(ref _delivered) < target)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"Only {Volatile.Read(ref _delivered) - target + count} of {count} acknowledged.");
                }

                await Task.Delay(1);
            }

            _deliveredAt.Clear();
        }

        public async Task<double[]> PacedAsync(int perSecond, TimeSpan duration)
        {
            var sentAt = new Dictionary<string, long>();
            var count = (int)(perSecond * duration.TotalSeconds);
            var target = Volatile.Read(ref _delivered) + count;
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                var due = start + (long)(i * Stopwatch.Frequency / (double)perSecond);
                while (Stopwatch.GetTimestamp() < due)
                {
                    await Task.Delay(1);
                }

                var sent = Stopwatch.GetTimestamp();
                sentAt[await _alice.SendMessageAsync(_bob.LocalAddress, "latency probe")] = sent;
            }

            while (Volatile.Read(ref _delivered) < target)
            {
                await Task.Delay(1);
            }

            return [.. sentAt.Select(p => Stopwatch.GetElapsedTime(p.Value, _deliveredAt[p.Key]).TotalMilliseconds).Order()];
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var owned in _owned)
            {
                await owned.DisposeAsync();
            }

            foreach (var key in _keys)
            {
                key.Dispose();
            }
        }
    }
}
