namespace IrohSocial.Crypto.Internal;

/// <summary>One receiving chain: the peer's ratchet key, the next chain key and the skipped keys still held for it.</summary>
internal sealed class ReceivingChain : IDisposable
{
    private readonly GuardedKeyArena _keys;
    private int _chainKeySlot;

    /// <summary>Copies <paramref name="chainKey"/> into a slot of the state's guarded arena.</summary>
    public ReceivingChain(GuardedKeyArena keys, ReadOnlySpan<byte> ratchetKey, ReadOnlySpan<byte> chainKey, uint nextNumber)
    {
        _keys = keys;
        ratchetKey.CopyTo(RatchetKey);
        _chainKeySlot = keys.Allocate(chainKey);
        NextNumber = nextNumber;
    }

    public byte[] RatchetKey { get; } = new byte[RatchetConstants.KeySize];

    /// <summary>The chain key, in guarded memory.</summary>
    public Span<byte> ChainKey => _keys[_chainKeySlot];

    /// <summary>Number of the next message this chain has not derived a key for yet.</summary>
    public uint NextNumber { get; set; }

    /// <summary>
    /// Number of messages the peer sent on this chain, learned from PN when the peer moved to a newer
    /// chain; no key at or beyond it is ever derived. <see cref="uint.MaxValue"/> while unknown.
    /// </summary>
    public uint EndNumber { get; set; } = uint.MaxValue;

    /// <summary>Skipped message keys of this chain by message number; the nodes live in the state's eviction list.</summary>
    public Dictionary<uint, LinkedListNode<SkippedKey>> Skipped { get; } = [];

    /// <summary>Wipes and frees the chain key's slot.</summary>
    public void Dispose()
    {
        if (_chainKeySlot >= 0)
        {
            _keys.Free(_chainKeySlot);
            _chainKeySlot = -1;
        }
    }
}

/// <summary>
/// A message key kept for a message that has not arrived yet: a slot of the state's guarded arena, freed (wiped) when
/// the key is used, evicted or disposed.
/// </summary>
internal sealed class SkippedKey(ReceivingChain chain, uint number, int slot)
{
    public ReceivingChain Chain { get; } = chain;

    public uint Number { get; } = number;

    /// <summary>The arena slot holding the key.</summary>
    public int Slot { get; } = slot;
}
