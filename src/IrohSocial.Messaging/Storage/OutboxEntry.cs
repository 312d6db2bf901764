using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>
/// A control waiting for the peer's acknowledgement. The payload is the plaintext control (encrypted afresh
/// on every attempt, so a retry never reuses a ratchet key); stores seal it at rest.
/// </summary>
/// <param name="Id">Id of the control (the message id for messages).</param>
/// <param name="Peer">Destination.</param>
/// <param name="Payload">Serialized control (JSON).</param>
/// <param name="CreatedAt">When it was queued.</param>
/// <param name="Attempts">Failed delivery attempts so far.</param>
/// <param name="NextAttemptAt">Earliest time of the next automatic attempt.</param>
public sealed record OutboxEntry(
    string Id,
    EndpointId Peer,
    byte[] Payload,
    DateTimeOffset CreatedAt,
    int Attempts,
    DateTimeOffset NextAttemptAt);
