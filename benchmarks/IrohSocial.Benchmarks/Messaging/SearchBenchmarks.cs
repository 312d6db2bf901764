using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using IrohSocial.Messaging.Search;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Benchmarks.Messaging;

/// <summary>
/// Query time of the in-memory search index against the baseline of no index: a scan over the same messages
/// already decrypted and cut into normalized words (the cheapest search without an index), 100,000 and
/// 1,000,000 messages, for a rare word, a short common prefix and two words. Newest 50 hits, all peers.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --filter '*SearchBenchmarks*'</c>.
/// Index size, build time and start-up from SQLite: <c>-- --search-harness</c> (<see cref="SearchHarness"/>).
/// </summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class SearchBenchmarks
{
    private const int Limit = 50;
    private List<StoredMessage> _messages = null!;
    private string[][] _words = null!;
    private MessageSearchIndex _index = null!;
    private string[] _terms = null!;

    [Params(100_000, 1_000_000)]
    public int Messages { get; set; }

    /// <summary>rare: one word of rank 20,000; prefix: two letters; two: a common and a mid word.</summary>
    [Params("rare", "prefix", "two")]
    public string Query { get; set; } = "rare";

    [GlobalSetup]
    public void Setup()
    {
        _messages = SearchCorpus.Messages(Messages);
        _words = [.. _messages.Select(m => SearchText.Words(m.Content).ToArray())];
        _index = new MessageSearchIndex();
        foreach (var m in _messages)
        {
            _index.Add(m);
        }

        var v = SearchCorpus.Vocabulary;
        _terms = Query switch
        {
            "rare" => [v[20_000]],
            "prefix" => [v[0][..2]],
            _ => [v[3], v[2_000][..^1]],
        };
    }

    [Benchmark(Baseline = true)]
    public int Scan()
    {
        // Newest first: walk backwards (messages are in time order) and stop at the limit.
        var found = 0;
        for (var i = _messages.Count - 1; i >= 0 && found < Limit; i--)
        {
            var words = _words[i];
            if (_terms.All(t => words.Any(w => w.StartsWith(t, StringComparison.Ordinal))))
            {
                found++;
            }
        }

        return found;
    }

    [Benchmark]
    public int Index() => _index.Query(_terms, null, null, Limit).Count;

    /// <summary>
    /// In process: the 1,000,000-message corpus takes long to set up, and on the shared build machine BenchmarkDotNet's
    /// generated project did not build within its two-minute timeout. Both methods run in the same process, so the
    /// ratio stays fair.
    /// </summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() =>
            AddJob(Job.Default.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: true)).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5).WithStrategy(RunStrategy.Throughput));
    }
}
