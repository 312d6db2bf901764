namespace IrohSocial.Crypto.Internal;

/// <summary>
/// The span-checking and pinning shared by libsodium's <c>crypto_aead_*chacha20poly1305_ietf_*</c> pairs,
/// which differ only in nonce size and entry points. Each construction passes its native functions as
/// function pointers, so there is one copy of the argument checks and the zero-on-failure rule.
/// Output layout is ciphertext || 16-byte tag. Encrypting in place (destination overlapping the
/// plaintext at the same start) is allowed, as libsodium documents.
/// </summary>
internal static unsafe class SodiumAead
{
    public const int KeySize = 32;
    public const int TagSize = 16;

    /// <summary>Encrypts into <paramref name="destination"/> (exactly plaintext + <see cref="TagSize"/> bytes are written).</summary>
    /// <exception cref="ArgumentException">Wrong key or nonce size, or destination too small.</exception>
    public static void Encrypt(
        delegate*<byte*, ulong*, byte*, ulong, byte*, ulong, byte*, byte*, byte*, int> encrypt,
        int nonceSize,
        ReadOnlySpan<byte> key,
        ReadOnlySpan<byte> nonce,
        ReadOnlySpan<byte> associatedData,
        ReadOnlySpan<byte> plaintext,
        Span<byte> destination)
    {
        CheckKeyAndNonce(key, nonce, nonceSize);
        if (destination.Length < plaintext.Length + TagSize)
        {
            throw new ArgumentException($"Destination must hold {plaintext.Length + TagSize} bytes.", nameof(destination));
        }

        Interop.Libsodium.EnsureInitialized();
        fixed (byte* c = destination)
        fixed (byte* m = plaintext)
        fixed (byte* ad = associatedData)
        fixed (byte* n = nonce)
        fixed (byte* k = key)
        {
            encrypt(c, null, m, (ulong)plaintext.Length, ad, (ulong)associatedData.Length, null, n, k);
        }
    }

    /// <summary>
    /// Authenticates and decrypts into <paramref name="destination"/> (ciphertext - <see cref="TagSize"/> bytes).
    /// Returns <see langword="false"/> when the input is shorter than a tag or does not authenticate;
    /// the destination is then zeroed.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong key or nonce size, or destination too small.</exception>
    public static bool TryDecrypt(
        delegate*<byte*, ulong*, byte*, byte*, ulong, byte*, ulong, byte*, byte*, int> decrypt,
        int nonceSize,
        ReadOnlySpan<byte> key,
        ReadOnlySpan<byte> nonce,
        ReadOnlySpan<byte> associatedData,
        ReadOnlySpan<byte> ciphertext,
        Span<byte> destination)
    {
        CheckKeyAndNonce(key, nonce, nonceSize);
        if (ciphertext.Length < TagSize)
        {
            return false;
        }

        var plainLength = ciphertext.Length - TagSize;
        if (destination.Length < plainLength)
        {
            throw new ArgumentException($"Destination must hold {plainLength} bytes.", nameof(destination));
        }

        Interop.Libsodium.EnsureInitialized();
        int rc;
        fixed (byte* m = destination)
        fixed (byte* c = ciphertext)
        fixed (byte* ad = associatedData)
        fixed (byte* n = nonce)
        fixed (byte* k = key)
        {
            rc = decrypt(m, null, null, c, (ulong)ciphertext.Length, ad, (ulong)associatedData.Length, n, k);
        }

        if (rc != 0)
        {
            destination[..plainLength].Clear();
            return false;
        }

        return true;
    }

    private static void CheckKeyAndNonce(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, int nonceSize)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"Key must be {KeySize} bytes, got {key.Length}.", nameof(key));
        }

        if (nonce.Length != nonceSize)
        {
            throw new ArgumentException($"Nonce must be {nonceSize} bytes, got {nonce.Length}.", nameof(nonce));
        }
    }
}
