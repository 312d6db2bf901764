using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>
/// A record an extension keeps about a peer (a call in the call history, for instance), written with
/// <see cref="SaveRecord"/> and read with <see cref="IRecordStore"/>. The store only files it: <paramref name="Kind"/>
/// says whose it is, <paramref name="Body"/> is that extension's UTF-8 JSON, opaque here. Stores seal everything but
/// the kind at rest and find a peer's records by the peer's blind index.
/// </summary>
/// <param name="Kind">The owner's kind name (<see cref="Records.RecordKind{T}.Name"/>), e.g. <c>call.record</c>.</param>
/// <param name="Id">Unique within the kind: saving another record with the same kind and id replaces it.</param>
/// <param name="Peer">The peer the record is about.</param>
/// <param name="Time">When it happened; records are listed newest first by it.</param>
/// <param name="Body">The extension's UTF-8 JSON.</param>
public sealed record StoredRecord(string Kind, string Id, EndpointId Peer, DateTimeOffset Time, byte[] Body)
{
    /// <summary>Longest id in UTF-8 bytes.</summary>
    public const int MaxIdBytes = 256;
}
