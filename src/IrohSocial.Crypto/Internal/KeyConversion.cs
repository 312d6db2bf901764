using System.Security.Cryptography;
using Sodium;
using Sodium.Exceptions;

namespace IrohSocial.Crypto.Internal;

/// <summary>
/// ed25519 identity keys to X25519 keys for the ratchet (libsodium's
/// <c>crypto_sign_ed25519_{pk,sk}_to_curve25519</c> through Sodium.Core; not on a hot path,
/// each identity is converted once per session).
/// </summary>
internal static class KeyConversion
{
    /// <summary>
    /// Converts an ed25519 public key. Returns <see langword="false"/> for keys libsodium refuses
    /// (small-order points, non-canonical or off-curve encodings).
    /// </summary>
    public static bool TryConvertPublicKey(ReadOnlySpan<byte> ed25519PublicKey, Span<byte> x25519PublicKey)
    {
        if (ed25519PublicKey.Length != Ed25519.PublicKeySize || x25519PublicKey.Length != X25519.KeySize)
        {
            return false;
        }

        try
        {
            PublicKeyAuth.ConvertEd25519PublicKeyToCurve25519PublicKey(ed25519PublicKey.ToArray()).CopyTo(x25519PublicKey);
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or KeyOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>Converts an ed25519 seed to the X25519 private scalar (clamped SHA-512(seed)[0..32]).</summary>
    public static void ConvertSeed(ReadOnlySpan<byte> ed25519Seed, Span<byte> x25519PrivateKey)
    {
        if (ed25519Seed.Length != Ed25519.SeedSize || x25519PrivateKey.Length != X25519.KeySize)
        {
            throw new ArgumentException("ed25519 seeds and X25519 private keys are 32 bytes.");
        }

        var seedCopy = ed25519Seed.ToArray();
        var pair = PublicKeyAuth.GenerateKeyPair(seedCopy);
        byte[]? converted = null;
        try
        {
            converted = PublicKeyAuth.ConvertEd25519SecretKeyToCurve25519SecretKey(pair.PrivateKey);
            converted.CopyTo(x25519PrivateKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seedCopy);
            CryptographicOperations.ZeroMemory(pair.PrivateKey);
            if (converted is not null)
            {
                CryptographicOperations.ZeroMemory(converted);
            }
        }
    }
}
