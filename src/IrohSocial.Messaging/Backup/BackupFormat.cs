using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Sodium;

namespace IrohSocial.Messaging.Backup;

/// <summary>
/// The sealed backup file (docs/protocol.md, "Backup file"): a header carrying the Argon2id parameters, salt and a
/// MAC under the passphrase key, then XChaCha20-Poly1305 chunks whose nonce and associated data bind their index and
/// whether they are the last one, so truncation, reordering, splicing and trailing bytes all fail.
/// </summary>
/// <remarks>
/// Hand-written framing over library primitives: libsodium's secretstream would do the chunking, but Sodium.Core
/// does not expose it, and the header must carry the KDF parameters anyway.
/// </remarks>
internal static class BackupFormat
{
    public static ReadOnlySpan<byte> Magic => "IRSOCBAK"u8;

    public const byte Version = 1;

    /// <summary>libsodium's <c>crypto_pwhash_ALG_ARGON2ID13</c>.</summary>
    public const byte KdfArgon2id13 = 2;

    public const int SaltSize = 16;
    public const int NoncePrefixSize = 16;
    public const int MacSize = 32;
    public const int TagSize = 16;

    /// <summary>magic 8, version 1, kdf 1, ops 4, mem 4, salt 16, chunk size 4, nonce prefix 16, MAC 32.</summary>
    public const int HeaderSize = 8 + 1 + 1 + 4 + 4 + SaltSize + 4 + NoncePrefixSize + MacSize;

    private const int MacOffset = HeaderSize - MacSize;

    public const byte ChunkMore = 0x00;
    public const byte ChunkFinal = 0x01;

    /// <summary>Bounds an import accepts before spending any work on the KDF (a crafted header must not exhaust the machine).</summary>
    public const uint MaxOpsLimit = 16;

    /// <summary>Sodium.Core refuses fewer passes (libsodium itself would take 1 for Argon2id).</summary>
    public const uint MinOpsLimit = 3;

    public const uint MinMemLimit = 8 * 1024;
    public const uint MaxMemLimit = 1024 * 1024 * 1024;
    public const int MinChunkSize = 1024;
    public const int MaxChunkSize = 4 * 1024 * 1024;

    private static readonly byte[] MacLabel = Encoding.ASCII.GetBytes("iroh-social/backup/v1/header");

    /// <summary>The keys for one file: the chunk key and the header MAC key, both from one Argon2id output.</summary>
    public sealed class Keys : IDisposable
    {
        public Keys(string passphrase, ReadOnlySpan<byte> salt, uint opsLimit, uint memLimit)
        {
            var password = Encoding.UTF8.GetBytes(passphrase);
            try
            {
                var derived = PasswordHash.ArgonHashBinary(password, salt.ToArray(), opsLimit, (int)memLimit, 64, PasswordHash.ArgonAlgorithm.Argon_2ID13);
                ChunkKey = derived[..32];
                MacKey = derived[32..];
                CryptographicOperations.ZeroMemory(derived);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(password);
            }
        }

        public byte[] ChunkKey { get; }

        public byte[] MacKey { get; }

        public void Dispose()
        {
            CryptographicOperations.ZeroMemory(ChunkKey);
            CryptographicOperations.ZeroMemory(MacKey);
        }
    }

    /// <summary>The parsed clear fields of a header.</summary>
    public sealed record Header(uint OpsLimit, uint MemLimit, byte[] Salt, int ChunkSize, byte[] NoncePrefix, byte[] Bytes);

    /// <summary>Builds a complete header (with its MAC) for new keys.</summary>
    public static byte[] WriteHeader(Keys keys, uint opsLimit, uint memLimit, ReadOnlySpan<byte> salt, int chunkSize, ReadOnlySpan<byte> noncePrefix)
    {
        var header = new byte[HeaderSize];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        span[8] = Version;
        span[9] = KdfArgon2id13;
        BinaryPrimitives.WriteUInt32BigEndian(span[10..], opsLimit);
        BinaryPrimitives.WriteUInt32BigEndian(span[14..], memLimit);
        salt.CopyTo(span[18..]);
        BinaryPrimitives.WriteInt32BigEndian(span[34..], chunkSize);
        noncePrefix.CopyTo(span[38..]);
        HeaderMac(keys.MacKey, span[..MacOffset], span[MacOffset..]);
        return header;
    }

    /// <summary>Parses the clear fields; null when the bytes are not a header this version can open.</summary>
    public static Header? ParseHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length != HeaderSize || !header[..8].SequenceEqual(Magic) || header[8] != Version || header[9] != KdfArgon2id13)
        {
            return null;
        }

        var ops = BinaryPrimitives.ReadUInt32BigEndian(header[10..]);
        var mem = BinaryPrimitives.ReadUInt32BigEndian(header[14..]);
        var chunkSize = BinaryPrimitives.ReadInt32BigEndian(header[34..]);
        if (ops is < MinOpsLimit or > MaxOpsLimit || mem is < MinMemLimit or > MaxMemLimit || chunkSize is < MinChunkSize or > MaxChunkSize)
        {
            return null;
        }

        return new Header(ops, mem, header.Slice(18, SaltSize).ToArray(), chunkSize, header.Slice(38, NoncePrefixSize).ToArray(), header.ToArray());
    }

    /// <summary>Whether the header's MAC verifies under these keys (false: wrong passphrase or altered header).</summary>
    public static bool VerifyHeader(Keys keys, ReadOnlySpan<byte> header)
    {
        Span<byte> expected = stackalloc byte[MacSize];
        HeaderMac(keys.MacKey, header[..MacOffset], expected);
        return CryptographicOperations.FixedTimeEquals(expected, header[MacOffset..]);
    }

    /// <summary>Seals chunk <paramref name="index"/>: returns flag byte, u32 length and ciphertext, ready to write.</summary>
    public static byte[] SealChunk(Keys keys, ReadOnlySpan<byte> header, ulong index, bool final, ReadOnlySpan<byte> plaintext)
    {
        var cipher = SecretAeadXChaCha20Poly1305.Encrypt(plaintext.ToArray(), Nonce(header, index), keys.ChunkKey, AssociatedData(header, index, final));
        var frame = new byte[5 + cipher.Length];
        frame[0] = final ? ChunkFinal : ChunkMore;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)cipher.Length);
        cipher.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>Opens a chunk's ciphertext; null when it does not authenticate for this index and final flag.</summary>
    public static byte[]? OpenChunk(Keys keys, ReadOnlySpan<byte> header, ulong index, bool final, ReadOnlySpan<byte> ciphertext)
    {
        try
        {
            return SecretAeadXChaCha20Poly1305.Decrypt(ciphertext.ToArray(), Nonce(header, index), keys.ChunkKey, AssociatedData(header, index, final));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static void HeaderMac(byte[] macKey, ReadOnlySpan<byte> fields, Span<byte> destination)
    {
        // HMAC-SHA256(mac key, label || fields): the label keeps this MAC apart from any other use of the key.
        var input = new byte[MacLabel.Length + fields.Length];
        MacLabel.CopyTo(input, 0);
        fields.CopyTo(input.AsSpan(MacLabel.Length));
        HMACSHA256.HashData(macKey, input, destination);
    }

    private static byte[] Nonce(ReadOnlySpan<byte> header, ulong index)
    {
        var nonce = new byte[24];
        header.Slice(38, NoncePrefixSize).CopyTo(nonce);
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(NoncePrefixSize), index);
        return nonce;
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, ulong index, bool final)
    {
        var ad = new byte[header.Length + 9];
        header.CopyTo(ad);
        BinaryPrimitives.WriteUInt64BigEndian(ad.AsSpan(header.Length), index);
        ad[^1] = final ? ChunkFinal : ChunkMore;
        return ad;
    }
}
