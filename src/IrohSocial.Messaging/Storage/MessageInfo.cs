using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>What the protocol needs to know about a stored message without opening its (sealed) body.</summary>
/// <param name="Id">Message id.</param>
/// <param name="Peer">The other side of its conversation.</param>
/// <param name="Direction">Who wrote it.</param>
/// <param name="Status">Delivery / read state.</param>
public sealed record MessageInfo(string Id, EndpointId Peer, MessageDirection Direction, MessageStatus Status);
