using System.Text.Json;
using System.Text.Json.Serialization;
using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// The JSON payload of an envelope frame: the sender and one ratchet message. Byte fields are standard base64.
/// </summary>
internal sealed record EncryptedEnvelope(
    [property: JsonPropertyName("sender")] string Sender,
    [property: JsonPropertyName("ratchet_key")] byte[] RatchetKey,
    [property: JsonPropertyName("ephemeral_key")] byte[]? EphemeralKey,
    [property: JsonPropertyName("message_number")] uint MessageNumber,
    [property: JsonPropertyName("previous_chain_length")] uint PreviousChainLength,
    [property: JsonPropertyName("ciphertext")] byte[] Ciphertext,
    [property: JsonPropertyName("nonce")] byte[] Nonce)
{
    public const int KeySize = 32;
    public const int MaxNonceSize = 24;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, MessagingJsonContext.Default.EncryptedEnvelope);

    /// <summary>Parses and checks field shapes; the sender is parsed into <paramref name="sender"/>.</summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.MalformedEnvelope"/>.</exception>
    public static EncryptedEnvelope Parse(ReadOnlySpan<byte> json, out EndpointId sender)
    {
        EncryptedEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(json, MessagingJsonContext.Default.EncryptedEnvelope);
        }
        catch (JsonException ex)
        {
            throw new MessagingException(MessagingError.MalformedEnvelope, "The envelope is not valid JSON of the expected shape.", ex);
        }

        if (envelope is null
            || envelope.Sender is null
            || envelope.RatchetKey is not { Length: KeySize }
            || envelope.EphemeralKey is not (null or { Length: KeySize })
            || envelope.Ciphertext is not { Length: > 0 }
            || envelope.Nonce is not { Length: > 0 and <= MaxNonceSize })
        {
            throw new MessagingException(MessagingError.MalformedEnvelope, "The envelope misses a field or has a field of the wrong size.");
        }

        if (!EndpointId.TryParse(envelope.Sender, out sender))
        {
            throw new MessagingException(MessagingError.MalformedEnvelope, "The envelope sender is not a canonical endpoint id.");
        }

        return envelope;
    }
}
