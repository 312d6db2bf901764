using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite;

namespace IrohSocial.Benchmarks.Messaging;

/// <summary>
/// What a page costs with sealed times: the newest 50 messages of one conversation of 1,000 or 10,000
/// (<c>LatestPage</c>) and the 50 before its middle message (<c>MiddlePage</c>), found through the clear per-conversation
/// position of schema 7 (schema 5 and 6 opened every row's sealed time and sorted), against the baseline of reading the
/// same 50 messages by id (the unavoidable part of a page: 50 rows and 50 sealed bodies opened).
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --filter '*StorePagingBenchmarks*'</c>.
/// </summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class StorePagingBenchmarks
{
    private const int Limit = 50;
    private readonly EndpointId _peer = SecretKey.Generate().PublicKey;
    private string _folder = "";
    private SecretKey _identity = null!;
    private AtRestSealer _sealer = null!;
    private SqliteMessagingStore _store = null!;
    private string[] _newest = [];

    [Params(1_000, 10_000)]
    public int Messages { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("irohsocial-paging-").FullName;
        _identity = SecretKey.Generate();
        _sealer = new AtRestSealer(_identity);
        _store = SqliteMessagingStore.OpenAsync(Path.Combine(_folder, "paging.db"), _sealer).GetAwaiter().GetResult();
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var start = 0; start < Messages; start += 500)
        {
            var batch = Enumerable.Range(start, 500).Select(i => (StoreOperation)new InsertMessage(new StoredMessage(
                $"m{i}", _peer, i % 2 == 0 ? MessageDirection.Incoming : MessageDirection.Outgoing, $"message number {i} with some words in it",
                t0.AddSeconds(i), null, [], MessageStatus.Delivered))).ToList();
            _store.ApplyAsync(batch).AsTask().GetAwaiter().GetResult();
        }

        _newest = [.. Enumerable.Range(Messages - Limit, Limit).Select(i => $"m{i}")];
    }

    [Benchmark(Baseline = true)]
    public async Task<int> ReadSameRowsById()
    {
        var found = 0;
        foreach (var id in _newest)
        {
            found += await _store.GetMessageAsync(id) is null ? 0 : 1;
        }

        return found;
    }

    [Benchmark]
    public async Task<int> LatestPage() => (await _store.GetMessagesAsync(_peer, Limit, null)).Count;

    [Benchmark]
    public async Task<int> MiddlePage() => (await _store.GetMessagesAsync(_peer, Limit, $"m{Messages / 2}")).Count;

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sealer.Dispose();
        _identity.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() =>
            AddJob(Job.Default.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: true)).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5).WithStrategy(RunStrategy.Throughput));
    }
}
