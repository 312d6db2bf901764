using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
    private const int StateSize = LibCrypto.Sha256StateSize;

    private static readonly int SodiumStateSize = (int)Libsodium.crypto_auth_hmacsha256_statebytes();

    private static ReadOnlySpan<uint> InitialState =>
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

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
    /// Every buffer is written before it is read, hence no zero-initialisation; all are wiped on the way out.
    /// </summary>
    [SkipLocalsInit]
    internal static void ComputeWithOpenSsl(ReadOnlySpan<byte> key, byte first, Span<byte> firstTag, byte second, Span<byte> secondTag)
    {
        CheckSizes(key, firstTag, secondTag);

        // SHA256_CTX-sized, although SHA256_Transform only reads and writes h[] (the first 32 bytes).
        var inner = stackalloc byte[ContextSize];
        var outer = stackalloc byte[ContextSize];
        var work = stackalloc byte[ContextSize];
        var block = stackalloc byte[BlockSize];
        try
        {
            fixed (byte* k = key)
            {
                KeyBlock(k, block, 0x36);
                SetInitialState(inner);
                LibCrypto.Sha256Transform(inner, block);
                KeyBlock(k, block, 0x5c);
                SetInitialState(outer);
                LibCrypto.Sha256Transform(outer, block);
            }

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
        Buffer.MemoryCopy(inner, work, StateSize, StateSize);
        LibCrypto.Sha256Transform(work, block);

        // Outer hash, last block: inner digest || 0x80 || zeros || bit length of opad block + 32 bytes.
        WriteDigest(work, block);
        new Span<byte>(block + DigestSize, BlockSize - DigestSize).Clear();
        block[DigestSize] = 0x80;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(block + BlockSize - 2, 2), (BlockSize + DigestSize) * 8);
        Buffer.MemoryCopy(outer, work, StateSize, StateSize);
        LibCrypto.Sha256Transform(work, block);
        WriteDigest(work, tag);
    }

    /// <summary>h[] = the SHA-256 initial hash value (FIPS 180-4, 5.3.3), what SHA256_Init writes there.</summary>
    private static void SetInitialState(byte* context) => InitialState.CopyTo(new Span<uint>(context, StateSize / 4));

    /// <summary>The digest is h[0..7], each word big-endian (the state holds them in host order).</summary>
    /// <remarks>
    /// Read as two 16-byte halves: the SHA-NI block function has just stored h[] as two 16-byte registers, and one
    /// 32-byte load spanning both stores misses store-to-load forwarding (a stall that cost about as much as a tenth
    /// of a block, four times per chain step, in a perf profile of the round trip).
    /// </remarks>
    private static void WriteDigest(byte* context, byte* digest)
    {
        if (BitConverter.IsLittleEndian)
        {
            var byteSwapWords = Vector128.Create((byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
            Vector128.Shuffle(Vector128.Load(context), byteSwapWords).Store(digest);
            Vector128.Shuffle(Vector128.Load(context + 16), byteSwapWords).Store(digest + 16);
        }
        else
        {
            Buffer.MemoryCopy(context, digest, DigestSize, DigestSize);
        }
    }

    private static void KeyBlock(byte* key, byte* pad, byte padByte)
    {
        var padding = Vector256.Create(padByte);
        (Vector256.Load(key) ^ padding).Store(pad);
        padding.Store(pad + KeySize);
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
