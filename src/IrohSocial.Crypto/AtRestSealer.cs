using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto;

/// <summary>
/// Seals data for storage at rest (ratchet states, message bodies, attachment keys) with
/// XChaCha20-Poly1305 under a key derived from the identity secret, so a copied database file
/// reveals nothing without the identity key.
/// </summary>
/// <remarks>
/// Layout of a sealed blob: <c>[u8 version=1][24-byte random nonce][ciphertext || 16-byte tag]</c>.
/// Key: HKDF-SHA256(ikm = ed25519 seed, salt = empty, info = "iroh-social/at-rest/v1", 32 bytes).
/// The associated data lets callers bind a blob to its row (e.g. a table name and key), so blobs
/// cannot be swapped between rows unnoticed.
/// </remarks>
public sealed class AtRestSealer : IDisposable
{
    /// <summary>HKDF info label of the at-rest key.</summary>
    public const string KeyLabel = "iroh-social/at-rest/v1";

    /// <summary>Version byte that starts every sealed blob.</summary>
    public const byte Version = 1;

    private const int NonceSize = 24;
    private const int TagSize = 16;

    /// <summary>Bytes a sealed blob adds to its plaintext.</summary>
    public const int Overhead = 1 + NonceSize + TagSize;

    private readonly byte[] _key = GC.AllocateArray<byte>(32, pinned: true);
    private bool _disposed;

    /// <summary>Derives the at-rest key from an identity.</summary>
    public AtRestSealer(SecretKey identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        using var seed = identity.ReadSeed();
        HKDF.DeriveKey(HashAlgorithmName.SHA256, seed.Span, _key, ReadOnlySpan<byte>.Empty, Encoding.ASCII.GetBytes(KeyLabel));
    }

    /// <summary>Seals <paramref name="plaintext"/>, binding it to <paramref name="associatedData"/>.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // The span wrapper writes straight into the result: no copies of the plaintext or key in fresh arrays.
        var result = new byte[Overhead + plaintext.Length];
        result[0] = Version;
        var nonce = result.AsSpan(1, NonceSize);
        SodiumRandom.Instance.Fill(nonce);
        XChaCha20Poly1305.Encrypt(_key, nonce, associatedData, plaintext, result.AsSpan(1 + NonceSize));
        return result;
    }

    /// <summary>Opens a blob made by <see cref="Seal"/> with the same associated data.</summary>
    /// <returns><see langword="false"/> when the blob is malformed, tampered, sealed under another identity or bound to other data.</returns>
    public bool TryOpen(ReadOnlySpan<byte> sealedBlob, ReadOnlySpan<byte> associatedData, out byte[] plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        plaintext = [];
        if (sealedBlob.Length < Overhead || sealedBlob[0] != Version)
        {
            return false;
        }

        var opened = new byte[sealedBlob.Length - Overhead];
        if (!XChaCha20Poly1305.TryDecrypt(_key, sealedBlob.Slice(1, NonceSize), associatedData, sealedBlob[(1 + NonceSize)..], opened))
        {
            return false;
        }

        plaintext = opened;
        return true;
    }

    /// <summary>Opens a blob or throws <see cref="CryptographicException"/> when it does not authenticate.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedBlob, ReadOnlySpan<byte> associatedData = default) =>
        TryOpen(sealedBlob, associatedData, out var plaintext)
            ? plaintext
            : throw new CryptographicException("Sealed data failed authentication (tampered, wrong identity or wrong binding).");

    /// <summary>
    /// Derives a separate key for another kind of data at rest (e.g. attachment files) from the at-rest key:
    /// HKDF-SHA256-Expand(at-rest key, info = <paramref name="label"/>). Distinct labels give independent keys.
    /// </summary>
    /// <param name="label">A unique ASCII label naming the use, e.g. "iroh-social/attachment-files/1".</param>
    /// <param name="destination">Receives the key (1 to 8160 bytes); the caller wipes it when done.</param>
    public void DeriveKey(string label, Span<byte> destination)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ObjectDisposedException.ThrowIf(_disposed, this);
        HKDF.Expand(HashAlgorithmName.SHA256, _key, destination, Encoding.ASCII.GetBytes(label));
    }

    /// <summary>Wipes the derived key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
        }
    }
}
