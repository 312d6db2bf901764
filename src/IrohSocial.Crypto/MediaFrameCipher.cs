using System.Buffers.Binary;
using System.Security.Cryptography;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto;

/// <summary>
/// Encrypts or decrypts the media frames of one call direction with ChaCha20-Poly1305, allocation-free.
/// The 12-byte nonce is <c>[u8 streamKind][3 zero bytes][u64 big-endian sequence]</c>, so each
/// (stream kind, sequence) pair must be sealed at most once under a key: senders number every
/// stream kind's frames with a strictly increasing sequence. Safe to use from several threads.
/// </summary>
internal sealed class MediaFrameCipher : IDisposable
{
    /// <summary>Bytes the tag adds to each frame.</summary>
    public const int TagSize = ChaCha20Poly1305Ietf.TagSize;

    /// <summary>Size of the key.</summary>
    internal const int KeySize = ChaCha20Poly1305Ietf.KeySize;

    private readonly byte[] _key = GC.AllocateArray<byte>(KeySize, pinned: true);
    private volatile bool _disposed;

    internal MediaFrameCipher(ReadOnlySpan<byte> key)
    {
        key.CopyTo(_key);
    }

    /// <summary>
    /// Seals <paramref name="plaintext"/> into <paramref name="destination"/>, which receives exactly
    /// <c>plaintext.Length + TagSize</c> bytes. <paramref name="associatedData"/> (e.g. the frame header) is authenticated, not encrypted.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <c>plaintext.Length + TagSize</c>.</exception>
    /// <exception cref="ObjectDisposedException">The keys were disposed.</exception>
    public void Seal(byte streamKind, ulong sequence, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> nonce = stackalloc byte[ChaCha20Poly1305Ietf.NonceSize];
        WriteNonce(streamKind, sequence, nonce);
        ChaCha20Poly1305Ietf.Encrypt(_key, nonce, associatedData, plaintext, destination);
    }

    /// <summary>
    /// Opens a sealed frame into <paramref name="destination"/> (<c>ciphertext.Length - TagSize</c> bytes).
    /// </summary>
    /// <returns><see langword="false"/> when the frame is shorter than a tag, was tampered with, or was
    /// sealed with another key, stream kind, sequence or associated data.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <c>ciphertext.Length - TagSize</c>.</exception>
    /// <exception cref="ObjectDisposedException">The keys were disposed.</exception>
    public bool TryOpen(byte streamKind, ulong sequence, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> nonce = stackalloc byte[ChaCha20Poly1305Ietf.NonceSize];
        WriteNonce(streamKind, sequence, nonce);
        return ChaCha20Poly1305Ietf.TryDecrypt(_key, nonce, associatedData, ciphertext, destination);
    }

    /// <summary>Wipes the key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_key);
        }
    }

    internal static void WriteNonce(byte streamKind, ulong sequence, Span<byte> nonce)
    {
        nonce[0] = streamKind;
        nonce[1..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], sequence);
    }
}
