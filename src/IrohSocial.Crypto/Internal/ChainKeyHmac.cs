using System.Buffers.Binary;
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

    /// <summary>
    /// RFC 2104 on OpenSSL's SHA-256 compression function: hash the key blocks once, then each tag is one inner and one
    /// outer block, padded here (the message lengths are fixed: 64 + 1 and 64 + 32 bytes), so no SHA256_Update or
    /// SHA256_Final bookkeeping (buffering, padding, cleansing) runs per call; the six blocks are the whole cost.
    /// </summary>
    internal static void ComputeWithOpenSsl(ReadOnlySpan<byte> key, byte first, Span<byte> firstTag, byte second, Span<byte> secondTag)
    {
        CheckSizes(key, firstTag, secondTag);
        var inner = stackalloc byte[ContextSize];
        var outer = stackalloc byte[ContextSize];
        var work = stackalloc byte[ContextSize];
        var block = stackalloc byte[BlockSize];
        try
        {
            fixed (byte* k = key)
            {
                KeyBlock(k, block, 0x36);
                LibCrypto.Sha256Init(inner);
                LibCrypto.Sha256Transform(inner, block);
                KeyBlock(k, block, 0x5c);
                LibCrypto.Sha256Init(outer);
                LibCrypto.Sha256Transform(outer, block);
            }

            // Init also sets work's length fields, which Transform never reads; only h[] is copied in per block.
            LibCrypto.Sha256Init(work);
            fixed (byte* t1 = firstTag)
            fixed (byte* t2 = secondTag)
            {
                Finish(inner, outer, work, block, first, t1);
                Finish(inner, outer, work, block, second, t2);
            }
        }
        finally
        {
            new Span<byte>(inner, ContextSize).Clear();
            new Span<byte>(outer, ContextSize).Clear();
            new Span<byte>(work, ContextSize).Clear();
            new Span<byte>(block, BlockSize).Clear();
        }
    }

    private static void Finish(byte* inner, byte* outer, byte* work, byte* block, byte input, byte* tag)
    {
        // Inner hash, last block: input || 0x80 || zeros || bit length of ipad block + 1 byte, big-endian.
        new Span<byte>(block, BlockSize).Clear();
        block[0] = input;
        block[1] = 0x80;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(block + BlockSize - 2, 2), (BlockSize + 1) * 8);
        Buffer.MemoryCopy(inner, work, LibCrypto.Sha256StateSize, LibCrypto.Sha256StateSize);
        LibCrypto.Sha256Transform(work, block);

        // Outer hash, last block: inner digest || 0x80 || zeros || bit length of opad block + 32 bytes.
        new Span<byte>(block + DigestSize, BlockSize - DigestSize).Clear();
        WriteDigest(work, block);
        block[DigestSize] = 0x80;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(block + BlockSize - 2, 2), (BlockSize + DigestSize) * 8);
        Buffer.MemoryCopy(outer, work, LibCrypto.Sha256StateSize, LibCrypto.Sha256StateSize);
        LibCrypto.Sha256Transform(work, block);
        WriteDigest(work, tag);
    }

    /// <summary>The digest is h[0..7] of the state, each word big-endian (the state holds them in host order).</summary>
    private static void WriteDigest(byte* context, byte* digest)
    {
        var h = (uint*)context;
        for (var i = 0; i < DigestSize / 4; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(digest + (4 * i), 4), h[i]);
        }
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
