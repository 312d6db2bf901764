using System.Security.Cryptography;

namespace IrohSocial.Crypto;

/// <summary>
/// A keyed blind index: a short HMAC of a value (a peer id, a call id) under a key derived from the identity, so a
/// store can find rows by that value without writing the value itself. Equal values give equal tags (that is what
/// makes lookups work, and what a reader of the file still learns: which rows share a value); without the key a tag
/// cannot be linked to a value, even by someone who guesses the value.
/// </summary>
/// <remarks>
/// Tag = the first 16 bytes of HMAC-SHA256(key, value); key = <see cref="AtRestSealer.DeriveKey"/> with a label that
/// names the use (distinct labels give unrelated tags for the same value).
/// </remarks>
public sealed class BlindIndex : IDisposable
{
    /// <summary>Bytes in a tag.</summary>
    public const int TagSize = 16;

    private readonly byte[] _key = GC.AllocateArray<byte>(32, pinned: true);
    private bool _disposed;

    /// <summary>Derives the index key for <paramref name="label"/> from the at-rest key.</summary>
    /// <param name="sealer">The identity's at-rest sealer (not kept).</param>
    /// <param name="label">A unique ASCII label naming the use, e.g. "iroh-social/blind-index/peers/1".</param>
    public BlindIndex(AtRestSealer sealer, string label)
    {
        ArgumentNullException.ThrowIfNull(sealer);
        sealer.DeriveKey(label, _key);
    }

    /// <summary>Writes the tag of <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="TagSize"/> bytes).</summary>
    public void Compute(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, TagSize, nameof(destination));
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, value, full);
        full[..TagSize].CopyTo(destination);
        CryptographicOperations.ZeroMemory(full);
    }

    /// <summary>The tag of <paramref name="value"/>.</summary>
    public byte[] Compute(ReadOnlySpan<byte> value)
    {
        var tag = new byte[TagSize];
        Compute(value, tag);
        return tag;
    }

    /// <summary>The tag of a peer id.</summary>
    public byte[] Compute(EndpointId id)
    {
        Span<byte> raw = stackalloc byte[EndpointId.Size];
        id.CopyTo(raw);
        return Compute(raw);
    }

    /// <summary>Wipes the key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
        }
    }
}
