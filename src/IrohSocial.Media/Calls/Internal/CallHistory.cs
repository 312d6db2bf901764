using System.Text.Json;
using System.Text.Json.Serialization;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Records;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// The call history, kept as Messaging extension records of kind <c>call.record</c> (sealed at rest, per peer, in
/// backups). Only this class holds the kind, so only the call layer writes history.
/// </summary>
internal sealed class CallHistory
{
    /// <summary>
    /// The kind. Its body's JSON is frozen: SQLite's schema-6 migration and the import of version-1 backups write the
    /// same shape (CallHistoryTests pins it).
    /// </summary>
    public static readonly RecordKind<CallRecordBody> Kind = new("call.record", CallHistoryJsonContext.Default.CallRecordBody);

    private readonly DmClient _dm;

    public CallHistory(DmClient dm)
    {
        _dm = dm;
        dm.RegisterRecordKind(Kind);
    }

    /// <summary>Adds (or replaces, by call id) an entry.</summary>
    public Task SaveAsync(CallRecord call, CancellationToken cancellationToken) =>
        _dm.SaveRecordAsync(Kind, new ExtensionRecord<CallRecordBody>(call.CallId, call.Peer, call.StartedAt, CallRecordBody.From(call)), cancellationToken);

    /// <summary>Reads the history straight from a store (tools without a running client); same rules as <see cref="GetAsync"/>.</summary>
    public static async Task<IReadOnlyList<CallRecord>> ReadAsync(IRecordStore store, EndpointId? peer, int limit, DateTimeOffset? before, CancellationToken cancellationToken)
    {
        var records = await store.GetRecordsAsync(Kind.Name, peer, limit, before, cancellationToken).ConfigureAwait(false);
        var result = new List<CallRecord>(records.Count);
        foreach (var record in records)
        {
            try
            {
                if (JsonSerializer.Deserialize(record.Body, Kind.TypeInfo)?.ToCall(record.Id, record.Peer, record.Time) is { } call)
                {
                    result.Add(call);
                }
            }
            catch (JsonException)
            {
                // left out, as GetAsync does
            }
        }

        return result;
    }

    /// <summary>Newest first; entries whose body holds values this build does not know are left out.</summary>
    public async Task<IReadOnlyList<CallRecord>> GetAsync(EndpointId? peer, int limit, DateTimeOffset? before, CancellationToken cancellationToken)
    {
        var records = await _dm.GetRecordsAsync(Kind, peer, limit, before, cancellationToken).ConfigureAwait(false);
        return records.Select(r => r.Body.ToCall(r.Id, r.Peer, r.Time)).OfType<CallRecord>().ToList();
    }
}

/// <summary>
/// What a history record holds besides its id (the call id), peer and time (the start). The duration is in
/// milliseconds, exact to the tick (a decimal: whole milliseconds for migrated calls, fractions for new ones).
/// </summary>
internal sealed record CallRecordBody(CallDirection Direction, decimal DurationMs, bool HadVideo, CallEndReason EndedReason)
{
    private const decimal MaxDurationMs = 1e13m;

    public static CallRecordBody From(CallRecord call) =>
        new(call.Direction, call.Duration.Ticks / (decimal)TimeSpan.TicksPerMillisecond, call.HadVideo, call.EndedReason);

    public CallRecord? ToCall(string callId, EndpointId peer, DateTimeOffset startedAt) =>
        Enum.IsDefined(Direction) && Enum.IsDefined(EndedReason) && DurationMs is >= 0 and <= MaxDurationMs
            ? new CallRecord(callId, peer, Direction, startedAt, TimeSpan.FromTicks((long)(DurationMs * TimeSpan.TicksPerMillisecond)), HadVideo, EndedReason)
            : null;
}

[JsonSerializable(typeof(CallRecordBody))]
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    RespectRequiredConstructorParameters = true)]
internal sealed partial class CallHistoryJsonContext : JsonSerializerContext;
