using System.Security.Cryptography;

namespace IrohSocial.Crypto.Internal;

/// <summary>One receiving chain: the peer's ratchet key, the next chain key and the skipped keys still held for it.</summary>
internal sealed class ReceivingChain : IDisposable
{
    public ReceivingChain(ReadOnlySpan<byte> ratchetKey, ReadOnlySpan<byte> chainKey, uint nextNumber)
    {
        ratchetKey.CopyTo(RatchetKey);
        chainKey.CopyTo(ChainKey);
        NextNumber = nextNumber;
    }

    public byte[] RatchetKey { get; } = new byte[RatchetConstants.KeySize];

    public byte[] ChainKey { get; } = GC.AllocateArray<byte>(RatchetConstants.KeySize, pinned: true);

    /// <summary>Number of the next message this chain has not derived a key for yet.</summary>
    public uint NextNumber { get; set; }

    /// <summary>
    /// Number of messages the peer sent on this chain, learned from PN when the peer moved to a newer
    /// chain; no key at or beyond it is ever derived. <see cref="uint.MaxValue"/> while unknown.
    /// </summary>
    public uint EndNumber { get; set; } = uint.MaxValue;

    /// <summary>Skipped message keys of this chain by message number; the nodes live in the state's eviction list.</summary>
    public Dictionary<uint, LinkedListNode<SkippedKey>> Skipped { get; } = [];

    public void Dispose() => CryptographicOperations.ZeroMemory(ChainKey);
}

/// <summary>A message key kept for a message that has not arrived yet; wiped when used, evicted or disposed.</summary>
internal sealed class SkippedKey(ReceivingChain chain, uint number, byte[] key)
{
    /// <summary>Copies <paramref name="key"/> into a pinned array, so the GC never leaves stray copies of it behind.</summary>
    public static SkippedKey Create(ReceivingChain chain, uint number, ReadOnlySpan<byte> key)
    {
        var pinned = GC.AllocateArray<byte>(RatchetConstants.KeySize, pinned: true);
        key.CopyTo(pinned);
        return new SkippedKey(chain, number, pinned);
    }

    public ReceivingChain Chain { get; } = chain;

    public uint Number { get; } = number;

    public byte[] Key { get; } = key;
}
