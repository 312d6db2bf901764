using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// Encrypts attachment bytes in chunks under the per-attachment key carried in the (ratchet-encrypted) message:
/// ChaCha20-Poly1305, nonce = 4 zero bytes || u64 big-endian chunk index, associated data =
/// "iroh-social/attachment/1" || 0x00 || message id || 0x00 || attachment id || u8 last-chunk flag. The flag
/// makes truncation at a chunk boundary detectable even before the hash check.
/// </summary>
internal sealed class AttachmentCipher : IDisposable
{
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    private const string Label = "iroh-social/attachment/1";

    private readonly ChaCha20Poly1305 _aead;
    private readonly byte[] _adPrefix;

    public AttachmentCipher(ReadOnlySpan<byte> key, string messageId, string attachmentId)
    {
        _aead = new ChaCha20Poly1305(key);
        _adPrefix = Encoding.UTF8.GetBytes($"{Label}\0{messageId}\0{attachmentId}");
    }

    public byte[] Seal(ulong index, ReadOnlySpan<byte> chunk, bool last)
    {
        var output = new byte[chunk.Length + TagSize];
        _aead.Encrypt(Nonce(index), chunk, output.AsSpan(0, chunk.Length), output.AsSpan(chunk.Length), Ad(last));
        return output;
    }

    public bool TryOpen(ulong index, ReadOnlySpan<byte> sealedChunk, bool last, out byte[] chunk)
    {
        chunk = [];
        if (sealedChunk.Length < TagSize)
        {
            return false;
        }

        var plain = new byte[sealedChunk.Length - TagSize];
        try
        {
            _aead.Decrypt(Nonce(index), sealedChunk[..plain.Length], sealedChunk[plain.Length..], plain, Ad(last));
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        chunk = plain;
        return true;
    }

    private static byte[] Nonce(ulong index)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), index);
        return nonce;
    }

    private byte[] Ad(bool last)
    {
        var ad = new byte[_adPrefix.Length + 1];
        _adPrefix.CopyTo(ad, 0);
        ad[^1] = last ? (byte)1 : (byte)0;
        return ad;
    }

    public void Dispose() => _aead.Dispose();
}
