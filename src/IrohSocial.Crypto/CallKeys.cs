using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto;

/// <summary>
/// Per-call media keys. Caller and callee each contribute 32 random bytes (<see cref="NewSecret"/>),
/// carried inside the ratchet-encrypted Offer and Answer, so only the two peers know them. Each
/// direction gets its own key, so the two sides never encrypt under the same (key, nonce).
/// </summary>
/// <remarks>
/// <c>okm = HKDF-SHA256(ikm = callerSecret || calleeSecret, salt = callId, info = "iroh-social/call/media/v1", L = 64)</c>;
/// caller-to-callee key = <c>okm[0..32]</c>, callee-to-caller key = <c>okm[32..64]</c>.
/// </remarks>
internal sealed class CallKeys : IDisposable
{
    /// <summary>HKDF info label of the media keys.</summary>
    public const string KeyLabel = "iroh-social/call/media/v1";

    /// <summary>Size of each side's contribution.</summary>
    public const int SecretSize = 32;

    private CallKeys(MediaFrameCipher send, MediaFrameCipher receive)
    {
        Send = send;
        Receive = receive;
    }

    /// <summary>Encrypts the frames this side sends.</summary>
    public MediaFrameCipher Send { get; }

    /// <summary>Decrypts the frames the other side sends.</summary>
    public MediaFrameCipher Receive { get; }

    /// <summary>Derives both directions' keys; both peers call this with the same secrets and call id.</summary>
    /// <param name="callerSecret">The caller's 32 bytes (from the Offer).</param>
    /// <param name="calleeSecret">The callee's 32 bytes (from the Answer).</param>
    /// <param name="callId">The call's identifier bytes (1..255 bytes), binding the keys to this call.</param>
    /// <param name="isCaller">Whether the local side placed the call.</param>
    /// <exception cref="ArgumentException">A secret is not 32 bytes or the call id is empty or too long.</exception>
    public static CallKeys Derive(ReadOnlySpan<byte> callerSecret, ReadOnlySpan<byte> calleeSecret, ReadOnlySpan<byte> callId, bool isCaller)
    {
        if (callerSecret.Length != SecretSize)
        {
            throw new ArgumentException($"The caller secret is {SecretSize} bytes, got {callerSecret.Length}.", nameof(callerSecret));
        }

        if (calleeSecret.Length != SecretSize)
        {
            throw new ArgumentException($"The callee secret is {SecretSize} bytes, got {calleeSecret.Length}.", nameof(calleeSecret));
        }

        if (callId.Length is 0 or > 255)
        {
            throw new ArgumentException("The call id must be 1..255 bytes.", nameof(callId));
        }

        Span<byte> ikm = stackalloc byte[2 * SecretSize];
        Span<byte> okm = stackalloc byte[2 * MediaFrameCipher.KeySize];
        try
        {
            callerSecret.CopyTo(ikm);
            calleeSecret.CopyTo(ikm[SecretSize..]);
            HkdfSha256.DeriveKey(ikm, callId, Encoding.ASCII.GetBytes(KeyLabel), okm);
            var callerToCallee = new MediaFrameCipher(okm[..MediaFrameCipher.KeySize]);
            var calleeToCaller = new MediaFrameCipher(okm[MediaFrameCipher.KeySize..]);
            return isCaller ? new CallKeys(callerToCallee, calleeToCaller) : new CallKeys(calleeToCaller, callerToCallee);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
            CryptographicOperations.ZeroMemory(okm);
        }
    }

    /// <summary>Returns 32 fresh random bytes from libsodium's CSPRNG: this side's contribution.</summary>
    public static byte[] NewSecret()
    {
        var secret = new byte[SecretSize];
        SodiumRandom.Instance.Fill(secret);
        return secret;
    }

    /// <summary>Wipes both keys.</summary>
    public void Dispose()
    {
        Send.Dispose();
        Receive.Dispose();
    }
}
