using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto;

/// <summary>
/// A <see cref="SecretKey"/> sealed under a passphrase, for identity files that a thief of the disk cannot use
/// without the passphrase. Key = Argon2id (libsodium <c>crypto_pwhash</c>, ARGON2ID13) of the passphrase with a
/// random 16-byte salt; the seed is sealed with XChaCha20-Poly1305 under it.
/// </summary>
/// <remarks>
/// Layout: <c>"iroh-social/identity/1" || u32 BE iterations || u32 BE memory KiB || 16 salt || 24 nonce ||
/// sealed seed (32 + 16)</c>; everything before the nonce is the associated data, so the parameters cannot be
/// lowered unnoticed.
/// </remarks>
public static class ProtectedSecretKey
{
    /// <summary>The first bytes of every protected key.</summary>
    public const string Magic = "iroh-social/identity/1";

    /// <summary>Argon2id passes used by <see cref="Protect"/> (libsodium's MODERATE ops limit).</summary>
    public const uint DefaultIterations = 3;

    /// <summary>Argon2id memory in KiB used by <see cref="Protect"/> (64 MiB, libsodium's INTERACTIVE memory limit).</summary>
    public const uint DefaultMemoryKiB = 64 * 1024;

    private const int NonceSize = 24;
    private const int TagSize = 16;
    private static readonly int HeaderSize = Magic.Length + 4 + 4 + Argon2id.SaltSize;

    /// <summary>Whether <paramref name="data"/> starts like a protected key.</summary>
    public static bool IsProtected(ReadOnlySpan<byte> data) => data.StartsWith(Encoding.ASCII.GetBytes(Magic));

    /// <summary>Seals <paramref name="key"/> under <paramref name="passphrase"/>.</summary>
    public static byte[] Protect(SecretKey key, ReadOnlySpan<char> passphrase, uint iterations = DefaultIterations, uint memoryKiB = DefaultMemoryKiB)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1u);
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryKiB, 8u);
        var result = new byte[HeaderSize + NonceSize + SecretKey.Size + TagSize];
        Encoding.ASCII.GetBytes(Magic, result);
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(Magic.Length), iterations);
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(Magic.Length + 4), memoryKiB);
        SodiumRandom.Instance.Fill(result.AsSpan(Magic.Length + 8, Argon2id.SaltSize));
        SodiumRandom.Instance.Fill(result.AsSpan(HeaderSize, NonceSize));
        Span<byte> wrapKey = stackalloc byte[32];
        Span<byte> seed = stackalloc byte[SecretKey.Size];
        try
        {
            DeriveWrapKey(passphrase, result, wrapKey);
            key.Export(seed);
            XChaCha20Poly1305.Encrypt(wrapKey, result.AsSpan(HeaderSize, NonceSize), result.AsSpan(0, HeaderSize), seed, result.AsSpan(HeaderSize + NonceSize));
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrapKey);
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Opens a key sealed by <see cref="Protect"/>.</summary>
    /// <returns>The key, or <see langword="null"/> when the passphrase is wrong or the data is malformed or altered.</returns>
    public static SecretKey? TryUnprotect(ReadOnlySpan<byte> data, ReadOnlySpan<char> passphrase)
    {
        if (data.Length != HeaderSize + NonceSize + SecretKey.Size + TagSize || !IsProtected(data))
        {
            return null;
        }

        var iterations = BinaryPrimitives.ReadUInt32BigEndian(data[Magic.Length..]);
        var memoryKiB = BinaryPrimitives.ReadUInt32BigEndian(data[(Magic.Length + 4)..]);
        // Bounds keep a crafted file from asking for absurd work; the AD keeps a thief from lowering them.
        if (iterations is < 1 or > 64 || memoryKiB is < 8 or > 4 * 1024 * 1024)
        {
            return null;
        }

        Span<byte> wrapKey = stackalloc byte[32];
        Span<byte> seed = stackalloc byte[SecretKey.Size];
        try
        {
            DeriveWrapKey(passphrase, data, wrapKey);
            return XChaCha20Poly1305.TryDecrypt(wrapKey, data.Slice(HeaderSize, NonceSize), data[..HeaderSize], data[(HeaderSize + NonceSize)..], seed)
                ? SecretKey.Import(seed)
                : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrapKey);
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    private static void DeriveWrapKey(ReadOnlySpan<char> passphrase, ReadOnlySpan<byte> header, Span<byte> wrapKey)
    {
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(header[Magic.Length..]);
        var memoryKiB = BinaryPrimitives.ReadUInt32BigEndian(header[(Magic.Length + 4)..]);
        var utf8 = new byte[Encoding.UTF8.GetByteCount(passphrase)];
        try
        {
            Encoding.UTF8.GetBytes(passphrase, utf8);
            Argon2id.DeriveKey(utf8, header.Slice(Magic.Length + 8, Argon2id.SaltSize), iterations, (nuint)memoryKiB * 1024, wrapKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8);
        }
    }
}
