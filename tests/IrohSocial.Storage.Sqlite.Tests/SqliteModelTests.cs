using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Storage.Sqlite.Tests;

/// <summary>
/// Model-based property test: random batches of store operations applied to the SQLite store and to the
/// in-memory store (the model) must leave both answering every query the same way, also after a reopen.
/// </summary>
public sealed class SqliteModelTests : IDisposable
{
    private static readonly EndpointId[] Peers = [.. Enumerable.Range(0, 3).Select(_ => SecretKey.Generate().PublicKey)];
    private static readonly string[] Ids = ["m0", "m1", "m2", "m3", "m4", "m5"];
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private readonly SecretKey _identity = SecretKey.Generate();
    private readonly AtRestSealer _sealer;

    public SqliteModelTests() => _sealer = new AtRestSealer(_identity);

    private static readonly Gen<StoreOperation> Operation = Gen.OneOf<StoreOperation>(
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 20], Gen.Int[0, 2]).Select((i, p, incoming, t, st) => (StoreOperation)new InsertMessage(
            new StoredMessage(Ids[i], Peers[p], incoming ? MessageDirection.Incoming : MessageDirection.Outgoing, $"text {i} {t}", T0.AddSeconds(t), null, [], (MessageStatus)st))),
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 2], Gen.Int[0, 2]).Select((i, p, st) => (StoreOperation)new SetMessageStatus(Peers[p], Ids[i], (MessageStatus)st)),
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 2]).Select((i, p) => (StoreOperation)new RemoveMessage(Peers[p], Ids[i])),
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 2], Gen.Byte.Array[1, 8]).Select((i, p, payload) => (StoreOperation)new EnqueueOutbox(new OutboxEntry("o" + i, Peers[p], payload, T0, 0, T0))),
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 2]).Select((i, p) => (StoreOperation)new RemoveOutbox(Peers[p], "o" + i)),
        Gen.Select(Gen.Int[0, 5], Gen.Int[1, 9]).Select((i, a) => (StoreOperation)new RecordOutboxAttempt("o" + i, a, T0.AddSeconds(a))),
        Gen.Select(Gen.Int[0, 2], Gen.Byte.Array[1, 16]).Select((p, state) => (StoreOperation)new SaveSession(Peers[p], state)),
        // Sealed rows: tickets, extension records (an id keeps its time, so the listing has no ties), seen controls.
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 99]).Select((p, n) => (StoreOperation)new SavePeerAddress(Peers[p], $"ticket-{n}-192.0.2.{n}")),
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 2], Gen.Int[0, 1], Gen.Byte.Array[0, 6]).Select((c, p, k, body) => (StoreOperation)new SaveRecord(new StoredRecord(
            k == 0 ? "call.record" : "test.other", "c" + c, Peers[p], T0.AddMinutes(c).AddSeconds(k), body))),
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 3]).Select((p, k) => (StoreOperation)new RememberControl(Peers[p], "k" + k)));

    // What marking a conversation read writes: read marks for several ids of one peer (any state, repeats included).
    private static readonly Gen<StoreOperation[]> MarkReadRun = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 5].Array[2, 6]).Select((p, ids) =>
        ids.Select(i => (StoreOperation)new SetMessageStatus(Peers[p], Ids[i], MessageStatus.Read)).ToArray());

    [Fact]
    public void RandomBatches_SqliteAnswersLikeTheModel_AlsoAfterReopen() =>
        Gen.Frequency((3, Operation.Array[1, 4]), (1, MarkReadRun)).Array[1, 12].Sample(batches =>
        {
            RunAsync(batches).GetAwaiter().GetResult();
        }, iter: 40);

    private async Task RunAsync(StoreOperation[][] batches)
    {
        var path = _folder.File(Guid.NewGuid().ToString("N") + ".db");
        var model = new InMemoryMessagingStore();
        var sqlite = await SqliteMessagingStore.OpenAsync(path, _sealer);
        try
        {
            foreach (var batch in batches)
            {
                await model.ApplyAsync(batch);
                await sqlite.ApplyAsync(batch);
            }

            await AssertSameAsync(model, sqlite);
            await sqlite.DisposeAsync();
            sqlite = await SqliteMessagingStore.OpenAsync(path, _sealer);
            await AssertSameAsync(model, sqlite);
        }
        finally
        {
            await sqlite.DisposeAsync();
        }
    }

    private static async Task AssertSameAsync(IMessagingStore model, IMessagingStore sqlite)
    {
        foreach (var peer in Peers)
        {
            Assert.Equal(Render(await model.GetMessagesAsync(peer, 100, null)), Render(await sqlite.GetMessagesAsync(peer, 100, null)));
            // Every page boundary, including ones inside a shared timestamp and on deleted messages' neighbours.
            foreach (var m in await model.GetMessagesAsync(peer, 100, null))
            {
                Assert.Equal(Render(await model.GetMessagesAsync(peer, 2, m.Id)), Render(await sqlite.GetMessagesAsync(peer, 2, m.Id)));
            }
            Assert.Equal(await model.GetUnreadMessageIdsAsync(peer), await sqlite.GetUnreadMessageIdsAsync(peer));
            Assert.Equal(
                (await model.GetOutboxAsync(peer)).Select(e => $"{e.Id}/{e.Attempts}/{e.NextAttemptAt:O}/{Convert.ToHexString(e.Payload)}"),
                (await sqlite.GetOutboxAsync(peer)).Select(e => $"{e.Id}/{e.Attempts}/{e.NextAttemptAt:O}/{Convert.ToHexString(e.Payload)}"));
            Assert.Equal(await model.LoadSessionAsync(peer), await sqlite.LoadSessionAsync(peer));
            Assert.Equal(await model.GetPeerAddressAsync(peer), await sqlite.GetPeerAddressAsync(peer));
            foreach (var control in new[] { "k0", "k1", "k2", "k3" })
            {
                Assert.Equal(await model.HasSeenControlAsync(peer, control), await sqlite.HasSeenControlAsync(peer, control));
            }
        }

        foreach (var kind in new[] { null, "call.record", "test.other" })
        {
            Assert.Equal(Render(await model.GetRecordsAsync(kind, null, 10, null)), Render(await sqlite.GetRecordsAsync(kind, null, 10, null)));
            Assert.Equal(Render(await model.GetRecordsAsync(kind, null, 2, T0.AddMinutes(3))), Render(await sqlite.GetRecordsAsync(kind, null, 2, T0.AddMinutes(3))));
            foreach (var peer in Peers)
            {
                Assert.Equal(Render(await model.GetRecordsAsync(kind, peer, 10, null)), Render(await sqlite.GetRecordsAsync(kind, peer, 10, null)));
            }
        }

        foreach (var id in Ids)
        {
            Assert.Equal(await model.ContainsMessageAsync(id), await sqlite.ContainsMessageAsync(id));
            Assert.Equal(await model.GetMessageInfoAsync(id), await sqlite.GetMessageInfoAsync(id));
            foreach (var peer in Peers)
            {
                Assert.Equal(await model.ContainsMessageAsync(peer, id), await sqlite.ContainsMessageAsync(peer, id));
            }
        }

        Assert.Equal(
            (await model.GetConversationsAsync()).Select(c => $"{c.Peer}/{c.LastMessage.Id}/{c.UnreadCount}").Order(),
            (await sqlite.GetConversationsAsync()).Select(c => $"{c.Peer}/{c.LastMessage.Id}/{c.UnreadCount}").Order());
        Assert.Equal((await model.GetOutboxPeersAsync()).ToHashSet(), (await sqlite.GetOutboxPeersAsync()).ToHashSet());
    }

    private static IEnumerable<string> Render(IEnumerable<StoredRecord> records) =>
        records.Select(r => $"{r.Kind}/{r.Id}/{r.Peer.ToShortString()}/{r.Time:O}/{Convert.ToHexString(r.Body)}");

    private static IEnumerable<string> Render(IEnumerable<StoredMessage> messages) =>
        messages.Select(m => $"{m.Id}/{m.Peer.ToShortString()}/{m.Direction}/{m.Content}/{m.Timestamp:O}/{m.Status}");

    public void Dispose()
    {
        _sealer.Dispose();
        _identity.Dispose();
        _folder.Dispose();
    }
}
