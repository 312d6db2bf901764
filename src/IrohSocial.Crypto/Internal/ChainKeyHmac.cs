using System.Security.Cryptography;
using IrohSocial.Crypto.Internal.Interop;

namespace IrohSocial.Crypto.Internal;

/// <summary>
/// The two HMAC-SHA256 outputs of one chain step, HMAC(ck, c1) and HMAC(ck, c2), with one key setup: both share
/// the hashed ipad and opad blocks, so the pair costs 6 SHA-256 blocks instead of 8. The same function as two
/// calls of <see cref="HmacSha256.Compute"/>, only cheaper; it runs twice per message round trip, and its cost
/// was most of the ratchet's per-message constant (docs/benchmarks.md).
/// </summary>
internal static unsafe class ChainKeyHmac
{
    private const int KeySize = 32;
    private const int BlockSize = 64;
    private const int DigestSize = 32;
    private const int ContextSize = LibCrypto.Sha256ContextSize;

    private static readonly int SodiumStateSize = (int)Libsodium.crypto_auth_hmacsha256_statebytes();

    /// <summary>Whether the chain step runs on OpenSSL's SHA-256 here (otherwise on libsodium's portable one).</summary>
    public static bool UsesOpenSsl => LibCrypto.IsAvailable;

    /// <summary>Writes HMAC-SHA256(<paramref name="key"/>, [<paramref name="first"/>]) and HMAC-SHA256(key, [<paramref name="second"/>]).</summary>
    public static void Compute(ReadOnlySpan<byte> key, byte first, Span<byte> firstTag, byte second, Span<byte> secondTag)
    {
        if (LibCrypto.IsAvailable)
        {
            ComputeWithOpenSsl(key, first, firstTag, second, secondTag);
        }
        else
        {
            ComputeWithLibsodium(key, first, firstTag, second, secondTag);
        }
    }

    /// <summary>RFC 2104 on OpenSSL's SHA-256: hash the key blocks once, fork the two states for each input.</summary>
    internal static void ComputeWithOpenSsl(ReadOnlySpan<byte> key, byte first, Span<byte> firstTag, byte second, Span<byte> secondTag)
    {
        CheckSizes(key, firstTag, secondTag);
        var inner = stackalloc byte[ContextSize];
        var outer = stackalloc byte[ContextSize];
        var work = stackalloc byte[ContextSize];
        var pad = stackalloc byte[BlockSize];
        var innerDigest = stackalloc byte[DigestSize];
        try
        {
            fixed (byte* k = key)
            {
                KeyBlock(k, pad, 0x36);
                LibCrypto.Sha256Init(inner);
                LibCrypto.Sha256Update(inner, pad, BlockSize);
                KeyBlock(k, pad, 0x5c);
                LibCrypto.Sha256Init(outer);
                LibCrypto.Sha256Update(outer, pad, BlockSize);
            }

            fixed (byte* t1 = firstTag)
            fixed (byte* t2 = secondTag)
            {
                Finish(inner, outer, work, innerDigest, first, t1);
                Finish(inner, outer, work, innerDigest, second, t2);
            }
        }
        finally
        {
            new Span<byte>(inner, ContextSize).Clear();
            new Span<byte>(outer, ContextSize).Clear();
            new Span<byte>(work, ContextSize).Clear();
            new Span<byte>(pad, BlockSize).Clear();
            new Span<byte>(innerDigest, DigestSize).Clear();
        }
    }

    private static void Finish(byte* inner, byte* outer, byte* work, byte* innerDigest, byte input, byte* tag)
    {
        Buffer.MemoryCopy(inner, work, ContextSize, ContextSize);
        LibCrypto.Sha256Update(work, &input, 1);
        LibCrypto.Sha256Final(innerDigest, work);
        Buffer.MemoryCopy(outer, work, ContextSize, ContextSize);
        LibCrypto.Sha256Update(work, innerDigest, DigestSize);
        LibCrypto.Sha256Final(tag, work);
    }

    private static void KeyBlock(byte* key, byte* pad, byte padByte)
    {
        for (var i = 0; i < KeySize; i++)
        {
            pad[i] = (byte)(key[i] ^ padByte);
        }

        new Span<byte>(pad + KeySize, BlockSize - KeySize).Fill(padByte);
    }

    /// <summary>The same on libsodium's HMAC state (portable SHA-256): initialise once, copy the state for the second input.</summary>
    internal static void ComputeWithLibsodium(ReadOnlySpan<byte> key, byte first, Span<byte> firstTag, byte second, Span<byte> secondTag)
    {
        CheckSizes(key, firstTag, secondTag);
        Libsodium.EnsureInitialized();
        var size = SodiumStateSize;
        var state = stackalloc byte[size];
        var copy = stackalloc byte[size];
        try
        {
            fixed (byte* k = key)
            fixed (byte* t1 = firstTag)
            fixed (byte* t2 = secondTag)
            {
                Libsodium.crypto_auth_hmacsha256_init(state, k, KeySize);
                Buffer.MemoryCopy(state, copy, size, size);
                Libsodium.crypto_auth_hmacsha256_update(state, &first, 1);
                Libsodium.crypto_auth_hmacsha256_final(state, t1);
                Libsodium.crypto_auth_hmacsha256_update(copy, &second, 1);
                Libsodium.crypto_auth_hmacsha256_final(copy, t2);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(new Span<byte>(state, size));
            CryptographicOperations.ZeroMemory(new Span<byte>(copy, size));
        }
    }

    private static void CheckSizes(ReadOnlySpan<byte> key, Span<byte> firstTag, Span<byte> secondTag)
    {
        if (key.Length != KeySize || firstTag.Length < DigestSize || secondTag.Length < DigestSize)
        {
            throw new ArgumentException("Key must be 32 bytes and each tag buffer 32 bytes.");
        }

        if (firstTag.Overlaps(key) || secondTag.Overlaps(key) || firstTag.Overlaps(secondTag))
        {
            throw new ArgumentException("Tags must not overlap the key or each other.");
        }
    }
}
