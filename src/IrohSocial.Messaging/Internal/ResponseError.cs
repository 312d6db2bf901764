using System.Text.Json;
using System.Text.Json.Serialization;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// A plaintext frame sent (on our own envelope stream, in order with everything else) when an envelope from
/// the peer could not be decrypted. It names the failed envelope's ratchet key and number. It is not
/// ratchet-authenticated but rides a TLS-authenticated stream, so only the real peer can send it; its only
/// effect is that the sender, if that key is from its current session, starts a fresh session and retries.
/// </summary>
internal sealed record ResponseError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("ratchet_key")] byte[]? RatchetKey,
    [property: JsonPropertyName("message_number")] uint MessageNumber)
{
    public const string DecryptFailed = "decrypt_failed";

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, MessagingJsonContext.Default.ResponseError);

    /// <summary>Returns the error when <paramref name="json"/> is an error frame, else <see langword="null"/>.</summary>
    public static ResponseError? TryParse(ReadOnlySpan<byte> json)
    {
        // Cheap pre-check: envelopes never start with {"error".
        if (!json.StartsWith("{\"error\""u8))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, MessagingJsonContext.Default.ResponseError) is { Error: not null } error ? error : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
