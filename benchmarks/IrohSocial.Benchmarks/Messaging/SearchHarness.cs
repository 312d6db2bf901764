using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Search;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite;

namespace IrohSocial.Benchmarks.Messaging;

/// <summary>
/// What the benchmark cannot show: the index's memory once built, how long a build takes from messages in memory
/// and from a SQLite store (read + decrypt every row: the real start-up cost), and, for comparison, what a keyed
/// blind index (HMAC-SHA256 of every word and prefix, stored on disk) would add to the file.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --search-harness [counts...]</c>.
/// </summary>
internal static class SearchHarness
{
    public static async Task RunAsync(string[] args)
    {
        var counts = args.Length > 0 ? args.Select(int.Parse).ToArray() : [100_000, 1_000_000];
        foreach (var count in counts)
        {
            var messages = SearchCorpus.Messages(count);
            var chars = messages.Sum(m => (long)m.Content.Length);
            Console.WriteLine($"== {count:N0} messages, {chars / (double)count:0.0} chars each");

            var before = GC.GetTotalMemory(forceFullCollection: true);
            var timer = Stopwatch.StartNew();
            var index = new MessageSearchIndex();
            foreach (var m in messages)
            {
                index.Add(m);
            }

            timer.Stop();
            var after = GC.GetTotalMemory(forceFullCollection: true);
            Console.WriteLine($"index build from memory: {timer.Elapsed.TotalMilliseconds:0} ms; retained {(after - before) / 1048576.0:0.0} MiB "
                + $"({(after - before) / (double)count:0} B/message), {index.WordCount:N0} distinct words");
            GC.KeepAlive(index);

            // Blind-index comparison: one 32-byte HMAC per distinct word and per prefix (2+ chars) of it, per message.
            timer.Restart();
            long tokens = 0;
            using (var hmac = new HMACSHA256(RandomNumberGenerator.GetBytes(32)))
            {
                foreach (var m in messages)
                {
                    foreach (var word in SearchText.Words(m.Content))
                    {
                        for (var n = Math.Min(2, word.Length); n <= word.Length; n++)
                        {
                            hmac.ComputeHash(Encoding.UTF8.GetBytes(word[..n]));
                            tokens++;
                        }
                    }
                }
            }

            timer.Stop();
            Console.WriteLine($"blind index (for comparison): {tokens:N0} tokens = {tokens * 32 / 1048576.0:0} MiB of HMACs on disk before row overhead, "
                + $"{timer.Elapsed.TotalMilliseconds:0} ms to compute");

            await StartupFromSqliteAsync(messages);
        }
    }

    private static async Task StartupFromSqliteAsync(List<StoredMessage> messages)
    {
        var folder = Path.Combine(Path.GetTempPath(), "irohsocial-search-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            using var key = SecretKey.Generate();
            using var sealer = new AtRestSealer(key);
            var path = Path.Combine(folder, "dm.db");
            await using (var store = await SqliteMessagingStore.OpenAsync(path, sealer))
            {
                foreach (var chunk in messages.Chunk(5000))
                {
                    await store.ApplyAsync([.. chunk.Select(m => new InsertMessage(m))]);
                }
            }

            var size = new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);
            await using (var store = await SqliteMessagingStore.OpenAsync(path, sealer))
            {
                var indexing = new SearchIndexingStore(store);
                var timer = Stopwatch.StartNew();
                await indexing.Search.EnsureBuiltAsync(default);
                timer.Stop();
                var query = Stopwatch.StartNew();
                var hits = await indexing.Search.SearchAsync(SearchCorpus.Vocabulary[20_000], null, 50, null, default);
                query.Stop();
                Console.WriteLine($"start-up from SQLite ({size / 1048576.0:0} MiB file): build {timer.Elapsed.TotalSeconds:0.00} s for {indexing.Search.Count:N0} messages; "
                    + $"first query incl. fetching {hits.Count} rows {query.Elapsed.TotalMilliseconds:0.0} ms");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
