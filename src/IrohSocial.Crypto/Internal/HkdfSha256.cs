using System.Security.Cryptography;

namespace IrohSocial.Crypto.Internal;

/// <summary>
/// HKDF-SHA256 (RFC 5869) on spans. .NET's <see cref="HKDF"/> is already span-based and
/// allocation-free, so this adapter only fixes the hash and states the size rules.
/// </summary>
internal static class HkdfSha256
{
    public const int HashSize = 32;

    /// <summary>Largest output RFC 5869 allows (255 blocks).</summary>
    public const int MaxOutputSize = 255 * HashSize;

    /// <summary>Extract-then-expand into <paramref name="output"/>. An empty salt means 32 zero bytes (RFC 5869 2.2).</summary>
    /// <exception cref="ArgumentException">The output is empty or longer than <see cref="MaxOutputSize"/>.</exception>
    public static void DeriveKey(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.Length is 0 or > MaxOutputSize)
        {
            throw new ArgumentException($"HKDF-SHA256 output must be 1..{MaxOutputSize} bytes, got {output.Length}.", nameof(output));
        }

        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, output, salt, info);
    }

    /// <summary>The extract step alone: PRK = HMAC-SHA256(salt, ikm).</summary>
    public static void Extract(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, Span<byte> prk) =>
        HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt, prk);
}
