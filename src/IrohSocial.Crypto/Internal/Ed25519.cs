using System.Security.Cryptography;
using Sodium;

namespace IrohSocial.Crypto.Internal;

/// <summary>Span-friendly adapter over Sodium.Core's ed25519 API (which takes and returns byte arrays).</summary>
internal static class Ed25519
{
    public const int SeedSize = 32;
    public const int PublicKeySize = 32;
    public const int ExpandedSecretKeySize = 64;
    public const int SignatureSize = 64;

    /// <summary>Derives the public key of a seed; the expanded secret key is wiped before returning.</summary>
    public static void PublicKeyFromSeed(ReadOnlySpan<byte> seed, Span<byte> publicKey)
    {
        var seedCopy = seed.ToArray();
        var pair = PublicKeyAuth.GenerateKeyPair(seedCopy);
        try
        {
            pair.PublicKey.CopyTo(publicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seedCopy);
            CryptographicOperations.ZeroMemory(pair.PrivateKey);
        }
    }

    public static void Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        var seedCopy = seed.ToArray();
        var pair = PublicKeyAuth.GenerateKeyPair(seedCopy);
        try
        {
            PublicKeyAuth.SignDetached(message.ToArray(), pair.PrivateKey).CopyTo(signature);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seedCopy);
            CryptographicOperations.ZeroMemory(pair.PrivateKey);
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
