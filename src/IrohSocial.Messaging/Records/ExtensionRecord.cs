using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Records;

/// <summary>A record of a <see cref="RecordKind{T}"/>, with its body decoded.</summary>
/// <typeparam name="T">The body type.</typeparam>
/// <param name="Id">Unique within the kind (1-256 UTF-8 bytes); saving another record with this id replaces it.</param>
/// <param name="Peer">The peer it is about.</param>
/// <param name="Time">When it happened; records are listed newest first by it.</param>
/// <param name="Body">The extension's data.</param>
public sealed record ExtensionRecord<T>(string Id, EndpointId Peer, DateTimeOffset Time, T Body)
    where T : class;
