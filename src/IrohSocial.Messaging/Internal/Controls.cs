using System.Text.Json;
using System.Text.Json.Serialization;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// The plaintext inside every envelope: a JSON object whose <c>type</c> says what it is. Every control has an
/// <c>id</c>; the receiver acknowledges it with a <see cref="DeliveredControl"/> naming that id.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(MessageControl), "message")]
[JsonDerivedType(typeof(TypingControl), "typing")]
[JsonDerivedType(typeof(ReadControl), "read")]
[JsonDerivedType(typeof(DeleteControl), "delete")]
[JsonDerivedType(typeof(DeliveredControl), "delivered")]
[JsonDerivedType(typeof(ExtensionControl), "ext")]
internal abstract record Control([property: JsonPropertyName("id")] string Id)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, MessagingJsonContext.Default.Control);

    /// <exception cref="MessagingException"><see cref="MessagingError.MalformedControl"/>.</exception>
    public static Control Parse(ReadOnlySpan<byte> json)
    {
        Control? control;
        try
        {
            control = JsonSerializer.Deserialize(json, MessagingJsonContext.Default.Control);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new MessagingException(MessagingError.MalformedControl, "The control is not valid JSON of a known type.", ex);
        }

        if (control is null || string.IsNullOrEmpty(control.Id) || control.Id.Length > MaxIdLength || !control.IsWellFormed())
        {
            throw new MessagingException(MessagingError.MalformedControl, "The control misses a required field.");
        }

        return control;
    }

    public const int MaxIdLength = 64;

    private protected virtual bool IsWellFormed() => true;
}

/// <summary>A chat message.</summary>
internal sealed record MessageControl(
    string Id,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("timestamp")] long TimestampMs,
    [property: JsonPropertyName("attachments")] IReadOnlyList<AttachmentDescriptor>? Attachments,
    [property: JsonPropertyName("reply_to")] string? ReplyTo) : Control(Id)
{
    private protected override bool IsWellFormed() =>
        Content is not null && (Attachments is null || Attachments.All(a => a is not null && a.IsWellFormed())) && (ReplyTo is null || ReplyTo.Length <= MaxIdLength);
}

/// <summary>An attachment as announced inside a message: metadata plus the key its bytes are encrypted with.</summary>
internal sealed record AttachmentDescriptor(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("mime_type")] string MimeType,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("key")] byte[] Key)
{
    public bool IsWellFormed() =>
        !string.IsNullOrEmpty(Id) && Id.Length <= Control.MaxIdLength && Name is not null && MimeType is not null && Size >= 0
        && Sha256 is { Length: 64 } && Key is { Length: 32 };
}

/// <summary>The sender is typing (not queued, not retried).</summary>
internal sealed record TypingControl(string Id) : Control(Id);

/// <summary>The sender read these messages.</summary>
internal sealed record ReadControl(string Id, [property: JsonPropertyName("message_ids")] IReadOnlyList<string> MessageIds) : Control(Id)
{
    private protected override bool IsWellFormed() => MessageIds is not null && MessageIds.All(m => m is { Length: > 0 and <= MaxIdLength });
}

/// <summary>Delete a message on both sides.</summary>
internal sealed record DeleteControl(string Id, [property: JsonPropertyName("message_id")] string MessageId) : Control(Id)
{
    private protected override bool IsWellFormed() => MessageId is { Length: > 0 and <= MaxIdLength };
}

/// <summary>
/// Acknowledges each control named in <see cref="AckedIds"/> (every received control except acknowledgements is
/// named exactly once; controls that arrived together are acknowledged by one envelope).
/// </summary>
internal sealed record DeliveredControl(string Id, [property: JsonPropertyName("acked_ids")] IReadOnlyList<string> AckedIds) : Control(Id)
{
    private protected override bool IsWellFormed() => AckedIds is { Count: > 0 } && AckedIds.All(a => a is { Length: > 0 and <= MaxIdLength });
}
