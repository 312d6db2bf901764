using System.Security.Cryptography;
using IrohSocial.Crypto.Internal.Interop;

namespace IrohSocial.Crypto.Internal;

/// <summary>X25519 (RFC 7748) on spans over libsodium's <c>crypto_scalarmult</c>.</summary>
internal static class X25519
{
    public const int KeySize = 32;

    /// <summary>
    /// Computes the shared secret. Returns <see langword="false"/> (and zeroes <paramref name="shared"/>)
    /// when the result is all-zero, i.e. the peer key has small order (RFC 7748 section 6.1).
    /// </summary>
    public static unsafe bool TryAgree(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, Span<byte> shared)
    {
        CheckSize(privateKey, nameof(privateKey));
        CheckSize(publicKey, nameof(publicKey));
        CheckSize(shared, nameof(shared));
        Libsodium.EnsureInitialized();
        int rc;
        fixed (byte* q = shared)
        fixed (byte* n = privateKey)
        fixed (byte* p = publicKey)
        {
            rc = Libsodium.crypto_scalarmult(q, n, p);
        }

        // libsodium already refuses an all-zero result; the explicit check keeps the guarantee if that ever changes.
        if (rc != 0 || IsAllZero(shared))
        {
            CryptographicOperations.ZeroMemory(shared);
            return false;
        }

        return true;
    }

    /// <summary>Computes the public key of <paramref name="privateKey"/>.</summary>
    public static unsafe void PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey, Span<byte> publicKey)
    {
        CheckSize(privateKey, nameof(privateKey));
        CheckSize(publicKey, nameof(publicKey));
        Libsodium.EnsureInitialized();
        fixed (byte* q = publicKey)
        fixed (byte* n = privateKey)
        {
            if (Libsodium.crypto_scalarmult_base(q, n) != 0)
            {
                throw new CryptographicException("X25519 base-point multiplication failed.");
            }
        }
    }

    /// <summary>Generates a key pair from <paramref name="random"/>.</summary>
    public static void GenerateKeyPair(IRandomSource random, Span<byte> privateKey, Span<byte> publicKey)
    {
        random.Fill(privateKey[..KeySize]);
        PublicKeyFromPrivate(privateKey, publicKey);
    }

    private static bool IsAllZero(ReadOnlySpan<byte> value)
    {
        // Constant-time: OR every byte instead of returning early.
        var acc = 0;
        foreach (var b in value)
        {
            acc |= b;
        }

        return acc == 0;
    }

    private static void CheckSize(ReadOnlySpan<byte> value, string name)
    {
        if (value.Length != KeySize)
        {
            throw new ArgumentException($"X25519 keys are {KeySize} bytes, got {value.Length}.", name);
        }
    }
}
