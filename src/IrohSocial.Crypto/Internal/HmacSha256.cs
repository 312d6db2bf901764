using System.Security.Cryptography;

namespace IrohSocial.Crypto.Internal;

/// <summary>HMAC-SHA256 (RFC 2104) on spans.</summary>
internal static class HmacSha256
{
    public const int TagSize = 32;

    /// <summary>Smallest truncated tag <see cref="Verify"/> accepts (NIST SP 800-107 minimum of 128 bits for our use).</summary>
    public const int MinVerifyTagSize = 16;

    /// <summary>HMAC with a key of any length (.NET's one-shot API, no allocation).</summary>
    public static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> tag)
    {
        if (tag.Length < TagSize)
        {
            throw new ArgumentException($"Tag buffer must hold {TagSize} bytes.", nameof(tag));
        }

        HMACSHA256.HashData(key, data, tag);
    }

    /// <summary>Constant-time check of a (possibly truncated, at least 16-byte) tag.</summary>
    public static bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> expectedTag)
    {
        if (expectedTag.Length is < MinVerifyTagSize or > TagSize)
        {
            return false;
        }

        Span<byte> tag = stackalloc byte[TagSize];
        Compute(key, data, tag);
        var ok = CryptographicOperations.FixedTimeEquals(tag[..expectedTag.Length], expectedTag);
        CryptographicOperations.ZeroMemory(tag);
        return ok;
    }
}
