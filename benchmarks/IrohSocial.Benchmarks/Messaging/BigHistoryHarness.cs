using System.Diagnostics;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Benchmarks.Messaging;

/// <summary>
/// Big histories: generates a SQLite store with N messages in C conversations through the store's own batch API
/// (sealed rows, as a client writes them; about 70 % read, the rest unread incoming or outgoing), then measures what a
/// user feels: open + first conversation list, the conversation list again, a page of 50 at a random position of a
/// random conversation, and mark-read of a conversation (the store reads its unread ids and commits their status,
/// durably), each with its wall time and the process CPU time per operation; plus the file size per message against the
/// sealed body size. Baseline in the same run: 50 raw rows read by rowid from the same file with plain SQLite (no
/// unsealing). Then the start-up of a whole node on the store (store open + node start + first list). The file is kept between runs (the path is printed; generating 1,000,000 messages takes minutes on a
/// loaded machine); a file of an older schema is migrated by the first run's open (its time is in that run's open).
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --history-harness [messages] [conversations] [folder]</c>.
/// </summary>
internal static class BigHistoryHarness
{
    private const int PageSize = 50;

    public static async Task RunAsync(string[] args)
    {
        var messages = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        var conversations = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000;
        var folder = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), $"irohsocial-history-{messages}-{conversations}");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "history.db");
        var seedPath = Path.Combine(folder, "identity.seed");
        using var key = File.Exists(seedPath) ? SecretKey.Import(File.ReadAllBytes(seedPath)) : SecretKey.Generate();
        if (!File.Exists(seedPath))
        {
            var seed = new byte[SecretKey.Size];
            key.Export(seed);
            File.WriteAllBytes(seedPath, seed);
        }

        using var sealer = new AtRestSealer(key);
        var peers = Enumerable.Range(0, conversations).Select(i => Peer(i)).ToArray();
        if (!File.Exists(path))
        {
            await GenerateAsync(path, sealer, peers, messages);
        }

        Console.WriteLine($"store: {path}; {messages:N0} messages in {conversations:N0} conversations; cores={Environment.ProcessorCount} load={LoadAverage()}");

        // Open + first conversation list (file in the OS page cache, as after any earlier run of the app).
        // A file of an older schema is migrated by this open: run the harness again for the open of a current file.
        var timer = Stopwatch.StartNew();
        await using var store = await SqliteMessagingStore.OpenAsync(path, sealer);
        var opened = timer.Elapsed.TotalMilliseconds;
        var list = await store.GetConversationsAsync();
        var openAndList = timer.Elapsed.TotalMilliseconds;
        Console.WriteLine($"open + first conversation list: {openAndList:0.0} ms (open {opened:0.0} ms; {list.Count} conversations)");

        var listTimes = Measure(20, () => store.GetConversationsAsync().AsTask());
        var random = new Random(7);
        var pageTimes = Measure(200, async () =>
        {
            // Any page: the 50 messages before a random message of its conversation (cursor = message id).
            var at = random.Next(messages);
            await store.GetMessagesAsync(PeerOf(peers, at), PageSize, MessageId(at));
        });

        using var raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        raw.Open();
        var rawTimes = Measure(200, () =>
        {
            using var command = raw.CreateCommand();
            command.CommandText = "SELECT id, body FROM messages WHERE seq >= $s ORDER BY seq LIMIT 50;";
            command.Parameters.AddWithValue("$s", random.Next(messages));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                _ = reader.GetString(0);
                _ = (byte[])reader.GetValue(1);
            }

            return Task.CompletedTask;
        });

        // Mark-read: each measured conversation still has its generated unread messages (each run reads other ones).
        var unreadCounts = new List<int>();
        var conversationIndex = 0;
        var order = peers.OrderBy(_ => Random.Shared.Next()).ToArray();
        // Only conversations that still have unread messages count: one an earlier run marked read costs nothing to mark
        // again, and mixing those in made an earlier report's median look like the cost of an empty mark-read.
        var markTimes = Measure(20, async () =>
        {
            IReadOnlyList<string> unread;
            EndpointId peer;
            do
            {
                peer = order[conversationIndex++ % order.Length];
                unread = await store.GetUnreadMessageIdsAsync(peer);
            }
            while (unread.Count == 0 && conversationIndex < order.Length);

            unreadCounts.Add(unread.Count);
            await store.ApplyAsync([.. unread.Select(id => (StoreOperation)new SetMessageStatus(peer, id, MessageStatus.Read))]);
        });

        var size = new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);
        var sealedBody = sealer.Seal(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { content = Content(0) }), "m"u8).Length;
        Console.WriteLine($"conversation list: {Summary(listTimes)}");
        Console.WriteLine($"page of {PageSize} (random conversation, random position): {Summary(pageTimes)}");
        Console.WriteLine($"baseline: 50 raw rows by rowid, no unsealing: {Summary(rawTimes)}; page / raw median = {Median(pageTimes) / Median(rawTimes):0.0}x");
        Console.WriteLine($"mark-read of a conversation ({unreadCounts.Average():0} unread on average, durable commit): {Summary(markTimes)}");
        Console.WriteLine($"database: {size / 1048576.0:0.0} MiB = {size / (double)messages:0} B per message; a typical sealed body is about {sealedBody} B; load={LoadAverage()}");
        await store.DisposeAsync();
        await MeasureNodeStartAsync(path, key, sealer, opened);
    }

    /// <summary>
    /// Start-up of a whole node on this store, as an app starts: open the store, start the node (endpoint bound on
    /// loopback, DM client started: outbox and contacts read, address announcement queued), first conversation list
    /// through the node. Against the store's own open in the same run.
    /// </summary>
    private static async Task MeasureNodeStartAsync(string path, SecretKey key, AtRestSealer sealer, double storeOpenMs)
    {
        var times = new List<double>();
        var listed = 0;
        for (var run = 0; run < 3; run++)
        {
            var timer = Stopwatch.StartNew();
            await using var store = await SqliteMessagingStore.OpenAsync(path, sealer);
            await using var node = await IrohSocialNode.StartAsync(new IrohSocialNodeOptions
            {
                SecretKey = key,
                Store = store,
                BindAddress = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
                Provider = IrohSocial.Transport.TransportProvider.TcpTls,
                BrowseLocalNetwork = false,
            });
            listed = (await node.Messages.GetConversationsAsync()).Count;
            times.Add(timer.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine($"node start-up (store open + node start + first conversation list, {listed} conversations): median {times[1]:0.0} ms "
            + $"(runs {string.Join(" / ", times.Select(t => t.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} ms); "
            + $"the first store open of this run took {storeOpenMs:0.0} ms; load={LoadAverage()}");
    }

    private const long BaseTime = 1_700_000_000_000;

    private static EndpointId Peer(int i)
    {
        var seed = new byte[32];
        BitConverter.TryWriteBytes(seed, i + 1);
        using var key = SecretKey.Import(seed);
        return key.PublicKey;
    }

    private static EndpointId PeerOf(EndpointId[] peers, int message) => peers[(int)((uint)(message * 2654435761u) % (uint)peers.Length)];

    private static string MessageId(int message) => $"m{message:x8}";

    private static string Content(int i) => $"message {i}: an ordinary chat line of about sixty characters, more or less";

    private static async Task GenerateAsync(string path, AtRestSealer sealer, EndpointId[] peers, int messages)
    {
        var timer = Stopwatch.StartNew();
        await using var store = await SqliteMessagingStore.OpenAsync(path, sealer);
        const int BatchSize = 5_000;
        var batch = new List<StoreOperation>(BatchSize);
        for (var i = 0; i < messages; i++)
        {
            // Messages spread over the conversations in time order (one a second), as a long-lived account would have.
            var peer = PeerOf(peers, i);
            var incoming = i % 2 == 0;
            var status = incoming ? (i % 10 < 7 ? MessageStatus.Read : MessageStatus.Delivered) : MessageStatus.Delivered;
            batch.Add(new InsertMessage(new StoredMessage(MessageId(i), peer, incoming ? MessageDirection.Incoming : MessageDirection.Outgoing, Content(i),
                DateTimeOffset.FromUnixTimeMilliseconds(BaseTime + i * 1000L), null, [], status)));
            if (batch.Count == BatchSize)
            {
                await store.ApplyAsync(batch);
                batch = new List<StoreOperation>(BatchSize);
                if (i % 100_000 < BatchSize)
                {
                    Console.WriteLine($"generated {i + 1:N0} messages in {timer.Elapsed.TotalSeconds:0} s");
                }
            }
        }

        if (batch.Count > 0)
        {
            await store.ApplyAsync(batch);
        }

        Console.WriteLine($"generated {messages:N0} messages in {timer.Elapsed.TotalSeconds:0} s");
    }

    private static Timings Measure(int count, Func<Task> action)
    {
        action().GetAwaiter().GetResult(); // warm
        var times = new List<double>(count);
        // CPU time of the process per operation too: on a shared, loaded machine it says more than wall time does.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < count; i++)
        {
            var timer = Stopwatch.StartNew();
            action().GetAwaiter().GetResult();
            times.Add(timer.Elapsed.TotalMilliseconds);
        }

        var cpuPerOperation = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / count;
        times.Sort();
        return new Timings(times, cpuPerOperation);
    }

    private sealed record Timings(List<double> Sorted, double CpuMsPerOperation);

    private static double Median(Timings timings) => timings.Sorted[timings.Sorted.Count / 2];

    private static string Summary(Timings t) =>
        $"median {Median(t):0.00} ms, p90 {t.Sorted[(int)(t.Sorted.Count * 0.9)]:0.00} ms, max {t.Sorted[^1]:0.00} ms (n={t.Sorted.Count}); CPU {t.CpuMsPerOperation:0.00} ms per operation";

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
