using System.Text.Json;
using System.Text.Json.Serialization;

namespace IrohSocial.Messaging.Internal;

/// <summary>First frame of an attachment stream: which announced attachment the following chunks carry.</summary>
internal sealed record AttachmentHeader(
    [property: JsonPropertyName("message_id")] string MessageId,
    [property: JsonPropertyName("attachment_id")] string AttachmentId)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, MessagingJsonContext.Default.AttachmentHeader);

    public static AttachmentHeader Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            if (JsonSerializer.Deserialize(json, MessagingJsonContext.Default.AttachmentHeader) is { MessageId.Length: > 0 and <= Control.MaxIdLength, AttachmentId.Length: > 0 and <= Control.MaxIdLength } header)
            {
                return header;
            }
        }
        catch (JsonException ex)
        {
            throw new MessagingException(MessagingError.MalformedFrame, "The attachment header is not valid JSON.", ex);
        }

        throw new MessagingException(MessagingError.MalformedFrame, "The attachment header misses a field.");
    }
}
