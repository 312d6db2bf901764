using IrohSocial.Crypto.Internal.Interop;

namespace IrohSocial.Crypto.Internal;

/// <summary>
/// ChaCha20-Poly1305 (RFC 8439, 96-bit nonce) AEAD on spans over libsodium's <c>crypto_aead_chacha20poly1305_ietf_*</c>.
/// Output layout is ciphertext || 16-byte tag; the checks and pinning live in <see cref="SodiumAead"/>.
/// </summary>
internal static unsafe class ChaCha20Poly1305Ietf
{
    public const int KeySize = SodiumAead.KeySize;
    public const int NonceSize = 12;
    public const int TagSize = SodiumAead.TagSize;

    /// <summary>Encrypts into <paramref name="destination"/> (exactly plaintext + <see cref="TagSize"/> bytes are written).</summary>
    /// <exception cref="ArgumentException">Wrong key or nonce size, or destination too small.</exception>
    public static void Encrypt(
        ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> destination) =>
        SodiumAead.Encrypt(&Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt, NonceSize, key, nonce, associatedData, plaintext, destination);

    /// <summary>
    /// Authenticates and decrypts into <paramref name="destination"/> (ciphertext - <see cref="TagSize"/> bytes).
    /// Returns <see langword="false"/> when the input is shorter than a tag or does not authenticate;
    /// the destination is then zeroed.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong key or nonce size, or destination too small.</exception>
    public static bool TryDecrypt(
        ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> destination) =>
        SodiumAead.TryDecrypt(&Libsodium.crypto_aead_chacha20poly1305_ietf_decrypt, NonceSize, key, nonce, associatedData, ciphertext, destination);
}
