using System.Diagnostics.CodeAnalysis;

namespace IrohSocial.Crypto;

/// <summary>One Double Ratchet message: header, ChaCha20-Poly1305 ciphertext (with its 16-byte tag) and nonce.</summary>
/// <param name="Header">The authenticated cleartext header.</param>
/// <param name="Ciphertext">Encrypted payload followed by the 16-byte Poly1305 tag.</param>
/// <param name="Nonce">The 12-byte ChaCha20-Poly1305 nonce.</param>
public sealed record RatchetMessage(RatchetHeader Header, byte[] Ciphertext, byte[] Nonce)
{
    /// <summary>Version byte that starts the binary encoding (and the associated data).</summary>
    public const byte Version = 1;

    /// <summary>Size of the nonce.</summary>
    public const int NonceSize = 12;

    /// <summary>Size of the Poly1305 tag at the end of the ciphertext.</summary>
    public const int TagSize = 16;

    /// <summary>
    /// Encodes the message as <c>[u8 version = 1][header][12-byte nonce][ciphertext || tag]</c>
    /// (see <see cref="RatchetHeader.WriteTo"/> for the header).
    /// </summary>
    public byte[] ToBytes()
    {
        if (Nonce is not { Length: NonceSize })
        {
            throw new InvalidOperationException($"The nonce must be {NonceSize} bytes.");
        }

        var headerSize = Header.EncodedSize;
        var result = new byte[1 + headerSize + NonceSize + Ciphertext.Length];
        result[0] = Version;
        Header.WriteTo(result.AsSpan(1));
        Nonce.CopyTo(result, 1 + headerSize);
        Ciphertext.CopyTo(result, 1 + headerSize + NonceSize);
        return result;
    }

    /// <summary>Decodes a message written by <see cref="ToBytes"/>.</summary>
    /// <returns><see langword="false"/> when the data is truncated, has another version or a ciphertext shorter than a tag.</returns>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out RatchetMessage? message)
    {
        message = null;
        if (data.Length < 1 || data[0] != Version || !RatchetHeader.TryRead(data[1..], out var header, out var headerSize))
        {
            return false;
        }

        var rest = data[(1 + headerSize)..];
        if (rest.Length < NonceSize + TagSize)
        {
            return false;
        }

        message = new RatchetMessage(header!, rest[NonceSize..].ToArray(), rest[..NonceSize].ToArray());
        return true;
    }
}
