using IrohSocial.Crypto.Internal.Interop;

namespace IrohSocial.Crypto.Internal;

/// <summary>
/// XChaCha20-Poly1305 (192-bit nonce, safe with random nonces) AEAD on spans over libsodium's <c>crypto_aead_xchacha20poly1305_ietf_*</c>.
/// Output layout is ciphertext || 16-byte tag. Encrypting in place (destination overlapping the
/// plaintext at the same start) is allowed, as libsodium documents.
/// </summary>
internal static class XChaCha20Poly1305
{
    public const int KeySize = 32;
    public const int NonceSize = 24;
    public const int TagSize = 16;

    /// <summary>Encrypts into <paramref name="destination"/> (exactly plaintext + <see cref="TagSize"/> bytes are written).</summary>
    /// <exception cref="ArgumentException">Wrong key or nonce size, or destination too small.</exception>
    public static unsafe void Encrypt(
        ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        CheckKeyAndNonce(key, nonce);
        if (destination.Length < plaintext.Length + TagSize)
        {
            throw new ArgumentException($"Destination must hold {plaintext.Length + TagSize} bytes.", nameof(destination));
        }

        Libsodium.EnsureInitialized();
        fixed (byte* c = destination)
        fixed (byte* m = plaintext)
        fixed (byte* ad = associatedData)
        fixed (byte* n = nonce)
        fixed (byte* k = key)
        {
            Libsodium.crypto_aead_xchacha20poly1305_ietf_encrypt(c, null, m, (ulong)plaintext.Length, ad, (ulong)associatedData.Length, null, n, k);
        }
    }

    /// <summary>
    /// Authenticates and decrypts into <paramref name="destination"/> (ciphertext - <see cref="TagSize"/> bytes).
    /// Returns <see langword="false"/> when the input is shorter than a tag or does not authenticate;
    /// the destination is then zeroed.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong key or nonce size, or destination too small.</exception>
    public static unsafe bool TryDecrypt(
        ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        CheckKeyAndNonce(key, nonce);
        if (ciphertext.Length < TagSize)
        {
            return false;
        }

        var plainLength = ciphertext.Length - TagSize;
        if (destination.Length < plainLength)
        {
            throw new ArgumentException($"Destination must hold {plainLength} bytes.", nameof(destination));
        }

        Libsodium.EnsureInitialized();
        int rc;
        fixed (byte* m = destination)
        fixed (byte* c = ciphertext)
        fixed (byte* ad = associatedData)
        fixed (byte* n = nonce)
        fixed (byte* k = key)
        {
            rc = Libsodium.crypto_aead_xchacha20poly1305_ietf_decrypt(m, null, null, c, (ulong)ciphertext.Length, ad, (ulong)associatedData.Length, n, k);
        }

        if (rc != 0)
        {
            destination[..plainLength].Clear();
            return false;
        }

        return true;
    }

    private static void CheckKeyAndNonce(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"Key must be {KeySize} bytes, got {key.Length}.", nameof(key));
        }

        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException($"Nonce must be {NonceSize} bytes, got {nonce.Length}.", nameof(nonce));
        }
    }
}
