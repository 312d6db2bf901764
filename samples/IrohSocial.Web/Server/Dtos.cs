using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Web.Server;

/// <summary>Shapes of the JSON the page reads (camelCase on the wire).</summary>
public sealed record AttachmentDto(string Id, string Name, string MimeType, long Size, string Sha256, string Url);

public sealed record MessageDto(string Id, string Peer, string Direction, string Content, DateTimeOffset Timestamp, string? ReplyTo, IReadOnlyList<AttachmentDto> Attachments, string Status)
{
    public static MessageDto From(StoredMessage m) => new(
        m.Id,
        m.Peer.ToString(),
        m.Direction == MessageDirection.Outgoing ? "out" : "in",
        m.Content,
        m.Timestamp,
        m.ReplyTo,
        [.. m.Attachments.Select(a => new AttachmentDto(a.Id, a.Name, a.MimeType, a.Size, a.Sha256,
            $"/api/attachments/{Uri.EscapeDataString(m.Id)}/{Uri.EscapeDataString(a.Id)}?name={Uri.EscapeDataString(a.Name)}&type={Uri.EscapeDataString(a.MimeType)}&peer={m.Peer}"))],
        StatusText(m.Status));

    public static string StatusText(MessageStatus status) => status switch
    {
        MessageStatus.Pending => "pending",
        MessageStatus.Delivered => "delivered",
        _ => "read",
    };
}

public sealed record ConversationDto(string Peer, string Name, MessageDto? LastMessage, int Unread, bool IsContact);

public sealed record CallDto(string Id, string Peer, string Name, string Direction, string State, bool Muted, bool Video, bool PeerVideo, double ElapsedSeconds);

public sealed record CallRecordDto(string CallId, string Peer, string Name, string Direction, DateTimeOffset StartedAt, double DurationSeconds, bool HadVideo, string Reason);

public sealed record PathDto(string Kind, string Transport, string Remote, string? VideoRemote)
{
    public static PathDto From(Connection connection, Connection? video) => new(
        connection.Path == ConnectionPath.Relay ? "relayed" : "direct",
        connection.Path switch { ConnectionPath.Quic => "QUIC", ConnectionPath.Relay => "TLS through the relay", _ => "TCP/TLS" },
        connection.RemoteAddress.ToString(),
        video?.RemoteAddress.ToString());
}
