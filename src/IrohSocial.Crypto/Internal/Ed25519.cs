using System.Security.Cryptography;
using IrohSocial.Crypto.Internal.Interop;
using Sodium;

namespace IrohSocial.Crypto.Internal;

/// <summary>
/// ed25519 on spans: key derivation and signing through libsodium directly (no copy of the seed or the expanded key
/// on the GC heap); verification of public data stays on Sodium.Core's byte-array API.
/// </summary>
internal static class Ed25519
{
    public const int SeedSize = 32;
    public const int PublicKeySize = 32;
    public const int ExpandedSecretKeySize = 64;
    public const int SignatureSize = 64;

    /// <summary>Derives the public key of a seed; the expanded secret key lives on the stack and is wiped before returning.</summary>
    public static unsafe void PublicKeyFromSeed(ReadOnlySpan<byte> seed, Span<byte> publicKey)
    {
        CheckSizes(seed, publicKey, PublicKeySize);
        Span<byte> expanded = stackalloc byte[ExpandedSecretKeySize];
        try
        {
            Libsodium.EnsureInitialized();
            fixed (byte* pk = publicKey)
            fixed (byte* sk = expanded)
            fixed (byte* s = seed)
            {
                _ = Libsodium.crypto_sign_seed_keypair(pk, sk, s); // cannot fail for a 32-byte seed
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(expanded);
        }
    }

    /// <summary>
    /// Signs on spans (libsodium <c>crypto_sign_detached</c>): the seed is never copied to the GC heap and the
    /// expanded secret key lives on the stack, wiped before returning.
    /// </summary>
    public static unsafe void Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        CheckSizes(seed, signature, SignatureSize);
        Span<byte> publicKey = stackalloc byte[PublicKeySize];
        Span<byte> expanded = stackalloc byte[ExpandedSecretKeySize];
        try
        {
            Libsodium.EnsureInitialized();
            fixed (byte* pk = publicKey)
            fixed (byte* sk = expanded)
            fixed (byte* s = seed)
            fixed (byte* m = message)
            fixed (byte* sig = signature)
            {
                _ = Libsodium.crypto_sign_seed_keypair(pk, sk, s);
                _ = Libsodium.crypto_sign_detached(sig, null, m, (ulong)message.Length, sk);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(expanded);
        }
    }

    private static void CheckSizes(ReadOnlySpan<byte> seed, Span<byte> output, int outputSize)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException($"An ed25519 seed is {SeedSize} bytes.", nameof(seed));
        }

        if (output.Length < outputSize)
        {
            throw new ArgumentException($"The output must hold {outputSize} bytes.", nameof(output));
        }
    }

    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize)
        {
            return false;
        }

        try
        {
            return PublicKeyAuth.VerifyDetached(signature.ToArray(), message.ToArray(), publicKey.ToArray());
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}
