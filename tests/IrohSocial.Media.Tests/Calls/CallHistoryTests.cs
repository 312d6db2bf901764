using System.Text;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Calls.Internal;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Media.Tests.Calls;

/// <summary>
/// The call history's record body is a frozen contract: SQLite's schema-6 migration and the import of version-1
/// backups write these exact bytes for old calls, so the calls layer must keep reading them.
/// </summary>
public sealed class CallHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Body_Json_IsTheFrozenShape()
    {
        var body = CallRecordBody.From(new CallRecord("c1", default, CallDirection.Incoming, T0, TimeSpan.FromSeconds(61), true, CallEndReason.Missed));
        Assert.Equal(
            """{"direction":"Incoming","duration_ms":61000,"had_video":true,"ended_reason":"Missed"}""",
            Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(body, CallHistory.Kind.TypeInfo)));
    }

    [Fact]
    public void Body_Duration_KeepsTicks()
    {
        var call = new CallRecord("c1", default, CallDirection.Outgoing, T0, TimeSpan.FromTicks(7_302_972), false, CallEndReason.Completed);
        var json = JsonSerializer.SerializeToUtf8Bytes(CallRecordBody.From(call), CallHistory.Kind.TypeInfo);
        Assert.Contains("\"duration_ms\":730.2972", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.Equal(call, JsonSerializer.Deserialize(json, CallHistory.Kind.TypeInfo)!.ToCall("c1", default, T0));
    }

    [Fact]
    public async Task ReadHistory_MigratedAndNewRecords_NewestFirst_UnknownValuesLeftOut()
    {
        using var key = SecretKey.Generate();
        var peer = key.PublicKey;
        var store = new InMemoryMessagingStore();
        await store.ApplyAsync(
        [
            // As the schema-6 migration and the v1 backup import write them.
            new SaveRecord(new StoredRecord("call.record", "old", peer, T0, """{"direction":"Outgoing","duration_ms":61000,"had_video":true,"ended_reason":"Completed"}"""u8.ToArray())),
            new SaveRecord(new StoredRecord("call.record", "new", peer, T0.AddHours(1), """{"direction":"Incoming","duration_ms":0,"had_video":false,"ended_reason":"Rejected"}"""u8.ToArray())),
            new SaveRecord(new StoredRecord("call.record", "future", peer, T0.AddHours(2), """{"direction":"Sideways","duration_ms":0,"had_video":false,"ended_reason":"Completed"}"""u8.ToArray())),
            new SaveRecord(new StoredRecord("call.record", "negative", peer, T0.AddHours(3), """{"direction":"Incoming","duration_ms":-5,"had_video":false,"ended_reason":"Completed"}"""u8.ToArray())),
            new SaveRecord(new StoredRecord("other.kind", "x", peer, T0.AddHours(4), "{}"u8.ToArray())),
        ], TestContext.Current.CancellationToken);

        var history = await CallManager.ReadHistoryAsync(store, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(
            [
                new CallRecord("new", peer, CallDirection.Incoming, T0.AddHours(1), TimeSpan.Zero, false, CallEndReason.Rejected),
                new CallRecord("old", peer, CallDirection.Outgoing, T0, TimeSpan.FromSeconds(61), true, CallEndReason.Completed),
            ],
            history);
    }
}
