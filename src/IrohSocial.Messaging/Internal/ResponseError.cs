using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// A plaintext frame sent (on our own envelope stream, in order with everything else) when an envelope from
/// the peer could not be decrypted because we do not have its session (we lost our state). It names the
/// failed envelope's ratchet key and number and is signed with our ed25519 identity over
/// <c>"iroh-social/dm/decrypt-failed/1" || 0x00 || signer id || recipient id || ratchet key || u32 N || 16-byte nonce</c>.
/// Its only effect is that the recipient, if that key is from its current session and the signature verifies,
/// starts a fresh session and retries. Unsigned or wrongly signed ones are ignored.
/// </summary>
internal sealed record ResponseError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("ratchet_key")] byte[]? RatchetKey,
    [property: JsonPropertyName("message_number")] uint MessageNumber,
    [property: JsonPropertyName("nonce")] byte[]? Nonce = null,
    [property: JsonPropertyName("signature")] byte[]? Signature = null)
{
    public const string DecryptFailed = "decrypt_failed";
    public const string SignatureLabel = "iroh-social/dm/decrypt-failed/1";
    public const int NonceSize = 16;
    private const int SignatureSize = 64;
    private const int RatchetKeySize = 32;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, MessagingJsonContext.Default.ResponseError);

    /// <summary>A signed decrypt_failed for the envelope (<paramref name="ratchetKey"/>, <paramref name="messageNumber"/>) from <paramref name="recipient"/>.</summary>
    public static ResponseError CreateDecryptFailed(SecretKey signer, EndpointId recipient, byte[] ratchetKey, uint messageNumber)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var signature = signer.Sign(SignedBytes(signer.PublicKey, recipient, ratchetKey, messageNumber, nonce));
        return new ResponseError(DecryptFailed, ratchetKey, messageNumber, nonce, signature);
    }

    /// <summary>Whether this is a decrypt_failed signed by <paramref name="signer"/> for <paramref name="recipient"/>.</summary>
    public bool IsSignedDecryptFailed(EndpointId signer, EndpointId recipient) =>
        Error == DecryptFailed
        && RatchetKey is { Length: RatchetKeySize }
        && Nonce is { Length: NonceSize }
        && Signature is { Length: SignatureSize }
        && signer.Verify(SignedBytes(signer, recipient, RatchetKey, MessageNumber, Nonce), Signature);

    /// <summary>The bytes a decrypt_failed signature covers (layout in docs/protocol.md).</summary>
    public static byte[] SignedBytes(EndpointId signer, EndpointId recipient, ReadOnlySpan<byte> ratchetKey, uint messageNumber, ReadOnlySpan<byte> nonce)
    {
        var label = Encoding.ASCII.GetBytes(SignatureLabel);
        var result = new byte[label.Length + 1 + (2 * EndpointId.Size) + ratchetKey.Length + 4 + nonce.Length];
        var at = 0;
        label.CopyTo(result, at);
        at += label.Length + 1;
        signer.CopyTo(result.AsSpan(at, EndpointId.Size));
        at += EndpointId.Size;
        recipient.CopyTo(result.AsSpan(at, EndpointId.Size));
        at += EndpointId.Size;
        ratchetKey.CopyTo(result.AsSpan(at));
        at += ratchetKey.Length;
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(at), messageNumber);
        at += 4;
        nonce.CopyTo(result.AsSpan(at));
        return result;
    }

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
