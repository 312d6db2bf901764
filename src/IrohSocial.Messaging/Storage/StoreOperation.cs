using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>
/// One write in an atomic <see cref="IMessagingStore.ApplyAsync"/> batch. Every state change of the DM
/// protocol is one batch, so "advance ratchet + store message" can never be half done.
/// </summary>
public abstract record StoreOperation
{
    private protected StoreOperation()
    {
    }
}

/// <summary>Replaces the serialized ratchet session with <paramref name="Peer"/>.</summary>
public sealed record SaveSession(EndpointId Peer, byte[] State) : StoreOperation;

/// <summary>Inserts a message; ignored when a message with the same id already exists.</summary>
public sealed record InsertMessage(StoredMessage Message) : StoreOperation;

/// <summary>Sets the status of a message with <paramref name="Peer"/> (ignored when it no longer exists or belongs to another peer).</summary>
public sealed record SetMessageStatus(EndpointId Peer, string MessageId, MessageStatus Status) : StoreOperation;

/// <summary>
/// Deletes a message with <paramref name="Peer"/> but keeps its id as a tombstone, so a late duplicate is still
/// recognised and dropped. A message of another peer is left alone; an unknown id is tombstoned for
/// <paramref name="Peer"/> only (a delete may overtake its message). A tombstone never blocks another peer's message.
/// </summary>
public sealed record RemoveMessage(EndpointId Peer, string MessageId) : StoreOperation;

/// <summary>Appends an entry to the peer's outbox, after every entry already queued for that peer.</summary>
public sealed record EnqueueOutbox(OutboxEntry Entry) : StoreOperation;

/// <summary>Removes an outbox entry queued for <paramref name="Peer"/> once it acknowledged it (ignored when absent or queued for another peer).</summary>
public sealed record RemoveOutbox(EndpointId Peer, string EntryId) : StoreOperation;

/// <summary>Records a failed attempt and when to try again.</summary>
public sealed record RecordOutboxAttempt(string EntryId, int Attempts, DateTimeOffset NextAttemptAt) : StoreOperation;

/// <summary>Remembers how to reach a peer (an address ticket) so the outbox can redial it after a restart.</summary>
public sealed record SavePeerAddress(EndpointId Peer, string Ticket) : StoreOperation;

/// <summary>Saves an extension record (replaces one with the same kind and id).</summary>
public sealed record SaveRecord(StoredRecord Record) : StoreOperation;

/// <summary>Remembers that a control with this id from <paramref name="Peer"/> was applied, so a retry or replay of it is dropped.</summary>
public sealed record RememberControl(EndpointId Peer, string ControlId) : StoreOperation;
