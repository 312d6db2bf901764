using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>A direct message as kept in the store.</summary>
/// <param name="Id">Message id chosen by the sender (a GUID in "N" format); receivers drop duplicates by it.</param>
/// <param name="Peer">The other side of the conversation.</param>
/// <param name="Direction">Who wrote it.</param>
/// <param name="Content">Message text.</param>
/// <param name="Timestamp">The sender's clock when the message was written.</param>
/// <param name="ReplyTo">Id of the message this one answers, if any.</param>
/// <param name="Attachments">Attached files (metadata only).</param>
/// <param name="Status">Delivery / read state.</param>
public sealed record StoredMessage(
    string Id,
    EndpointId Peer,
    MessageDirection Direction,
    string Content,
    DateTimeOffset Timestamp,
    string? ReplyTo,
    IReadOnlyList<MediaAttachment> Attachments,
    MessageStatus Status);
