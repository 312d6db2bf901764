using System.Security.Cryptography;
using IrohSocial.Crypto.Internal.Interop;
using Sodium;
using Sodium.Exceptions;

namespace IrohSocial.Crypto.Internal;

/// <summary>
/// ed25519 identity keys to X25519 keys for the ratchet (libsodium's
/// <c>crypto_sign_ed25519_{pk,sk}_to_curve25519</c>; public keys through Sodium.Core, the secret one on spans so the
/// seed is never copied to the GC heap; not on a hot path, each identity is converted once per session).
/// </summary>
internal static unsafe class KeyConversion
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

        // On the stack through libsodium directly: no copy of the seed or the expanded key on the GC heap.
        Span<byte> publicKey = stackalloc byte[Ed25519.PublicKeySize];
        Span<byte> expanded = stackalloc byte[Ed25519.ExpandedSecretKeySize];
        try
        {
            Libsodium.EnsureInitialized();
            fixed (byte* pk = publicKey)
            fixed (byte* sk = expanded)
            fixed (byte* seed = ed25519Seed)
            fixed (byte* x = x25519PrivateKey)
            {
                _ = Libsodium.crypto_sign_seed_keypair(pk, sk, seed);
                _ = Libsodium.crypto_sign_ed25519_sk_to_curve25519(x, sk);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(expanded);
        }
    }
}
