using System.Text.Json;
using System.Text.Json.Serialization;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// A plaintext response frame sent instead of an acknowledgement when an envelope could not be decrypted. It is
/// unencrypted but rides a TLS-authenticated stream, so only the real peer can send it; its only effect is that
/// the sender starts a fresh session (the peer lost its state) and retries.
/// </summary>
internal sealed record ResponseError([property: JsonPropertyName("error")] string Error)
{
    public const string DecryptFailed = "decrypt_failed";

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, MessagingJsonContext.Default.ResponseError);

    /// <summary>Returns the error when <paramref name="json"/> is an error frame, else <see langword="null"/>.</summary>
    public static ResponseError? TryParse(ReadOnlySpan<byte> json)
    {
        // Cheap pre-check: acknowledgements are envelopes and never start with {"error".
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
