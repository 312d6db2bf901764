using IrohSocial.Crypto;
using IrohSocial.Messaging.Groups;

namespace IrohSocial.Messaging.Storage;

/// <summary>A message of a group conversation as kept in the store.</summary>
/// <param name="Id">Message id chosen by the sender; receivers drop duplicates by it.</param>
/// <param name="Group">The group.</param>
/// <param name="Sender">Who wrote it (the local id for outgoing messages).</param>
/// <param name="Direction">Who wrote it, relative to the local user.</param>
/// <param name="Content">Message text.</param>
/// <param name="Timestamp">The sender's clock when the message was written.</param>
/// <param name="ReplyTo">Id of the message this one answers, if any.</param>
/// <param name="Attachments">Attached files (metadata only).</param>
/// <param name="Status">Incoming: <see cref="MessageStatus.Delivered"/> or <see cref="MessageStatus.Read"/> locally.
/// Outgoing: the least advanced of <paramref name="Receipts"/>.</param>
/// <param name="Receipts">Outgoing only: each recipient's delivery state (empty for incoming messages).</param>
public sealed record GroupMessage(
    string Id,
    GroupId Group,
    EndpointId Sender,
    MessageDirection Direction,
    string Content,
    DateTimeOffset Timestamp,
    string? ReplyTo,
    IReadOnlyList<MediaAttachment> Attachments,
    MessageStatus Status,
    IReadOnlyDictionary<EndpointId, MessageStatus> Receipts);

/// <summary>A group's persisted state: opaque to the store (it holds names and member lists, so stores seal it).</summary>
/// <param name="Group">The group.</param>
/// <param name="Revision">Grows with every change; a store keeps the highest revision it was given.</param>
/// <param name="Data">The client's serialized group (signed update log and sync bookkeeping).</param>
public sealed record GroupRecord(GroupId Group, long Revision, byte[] Data);
