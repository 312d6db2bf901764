using System.Security.Cryptography;
using System.Text;
using IrohSocial.Messaging.Backup;

namespace IrohSocial.Messaging.Tests.Backup;

/// <summary>
/// The backup file's known-answer vector, as written in docs/protocol.md ("Backup file"). The values were also
/// reproduced by a separate script (Python: libsodium via ctypes for Argon2id and the AEAD, its own framing and HMAC).
/// </summary>
public sealed class BackupFormatTests
{
    private const string Passphrase = "irohsocial backup vector";
    private const uint Ops = 3;
    private const uint Mem = 8192;
    private const int ChunkSize = 1024;

    private static byte[] Salt => [.. Enumerable.Range(0x00, 16).Select(i => (byte)i)];

    private static byte[] NoncePrefix => [.. Enumerable.Range(0x10, 16).Select(i => (byte)i)];

    /// <summary>1,030 bytes: (i mod 251), so chunk 0 is full and chunk 1 (the last) holds 6 bytes.</summary>
    private static byte[] Plaintext => [.. Enumerable.Range(0, 1030).Select(i => (byte)(i % 251))];

    public const string ChunkKeyHex = "4f7e7339c502634a4fd99d19b6d3f987c889be7096ed3e89c544f189aae42b53";
    public const string MacKeyHex = "abb7c48a78f1ecc29df96fcd2c9991ddfa8c096bf7c3f1538f01f2c47e4b32a0";
    public const string HeaderHex = "4952534f4342414b01020000000300002000000102030405060708090a0b0c0d0e0f00000400101112131415161718191a1b1c1d1e1f00fc5067c5e37e2cbaa91525a35f3c4220c390a4062017776b363989747e6cd5";
    public const string FinalChunkHex = "0100000016550509dae6c8150e3d9c1519ab732ee6eeff034f81e2";
    public const string FileSha256Hex = "39fe1f8a59b05718d247b155d31129b7a124e3678a3493137aa6a4e56c2c332c";

    [Fact]
    public void KnownAnswer_Vector_Matches()
    {
        using var keys = new BackupFormat.Keys(Passphrase, Salt, Ops, Mem);
        Assert.Equal(ChunkKeyHex, Convert.ToHexStringLower(keys.ChunkKey));
        Assert.Equal(MacKeyHex, Convert.ToHexStringLower(keys.MacKey));
        var header = BackupFormat.WriteHeader(keys, Ops, Mem, Salt, ChunkSize, NoncePrefix);
        Assert.Equal(HeaderHex, Convert.ToHexStringLower(header));
        var chunk0 = BackupFormat.SealChunk(keys, header, 0, final: false, Plaintext.AsSpan(0, ChunkSize));
        var chunk1 = BackupFormat.SealChunk(keys, header, 1, final: true, Plaintext.AsSpan(ChunkSize));
        Assert.Equal(FinalChunkHex, Convert.ToHexStringLower(chunk1));
        Assert.Equal(FileSha256Hex, Convert.ToHexStringLower(SHA256.HashData([.. header, .. chunk0, .. chunk1])));
    }

    [Fact]
    public async Task KnownAnswer_File_ReadsBack()
    {
        using var keys = new BackupFormat.Keys(Passphrase, Salt, Ops, Mem);
        var header = BackupFormat.WriteHeader(keys, Ops, Mem, Salt, ChunkSize, NoncePrefix);
        byte[] file = [.. header, .. BackupFormat.SealChunk(keys, header, 0, false, Plaintext.AsSpan(0, ChunkSize)), .. BackupFormat.SealChunk(keys, header, 1, true, Plaintext.AsSpan(ChunkSize))];
        Assert.Equal(Plaintext, await BackupReader.ReadAsync(new MemoryStream(file), Passphrase, 1 << 20, default));
        Assert.Equal("IRSOCBAK", Encoding.ASCII.GetString(file, 0, 8));
    }

    [Fact]
    public void ParseHeader_OutOfRangeParameters_Null()
    {
        using var keys = new BackupFormat.Keys(Passphrase, Salt, Ops, Mem);
        var header = BackupFormat.WriteHeader(keys, Ops, Mem, Salt, ChunkSize, NoncePrefix);
        Assert.NotNull(BackupFormat.ParseHeader(header));
        foreach (var (offset, value) in new[] { (10, 0xff), (14, 0xff), (34, 0xff), (8, 2), (9, 1), (0, (int)'X') })
        {
            var bad = (byte[])header.Clone();
            bad[offset] = (byte)value;
            Assert.Null(BackupFormat.ParseHeader(bad));
        }
    }
}
