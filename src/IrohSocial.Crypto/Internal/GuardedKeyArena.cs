using System.Security.Cryptography;

namespace IrohSocial.Crypto.Internal;

/// <summary>
/// The 32-byte keys of one ratchet state (root, chain, ratchet private and skipped message keys) in libsodium guarded
/// memory: slots in blocks of one page each (<c>sodium_malloc</c>: off the GC heap, between guard pages, excluded from
/// core dumps, locked in RAM where allowed), wiped when freed, every block wiped and unmapped on dispose.
/// </summary>
/// <remarks>
/// Why an arena and not one guarded allocation per key: each <c>sodium_malloc</c> maps several pages and costs a few
/// system calls, and a message round trip replaces keys several times, so per-key allocation would multiply the
/// ratchet's cost; a page of slots per state is allocated once and reused through a free list. The slots stay
/// writable (keys change in place on every message; an <c>mprotect</c> pair per message would cost more than the
/// rest of the step). Grows by one page at a time up to what the skip limits allow (about 3000 slots) and never
/// shrinks before dispose. Not thread-safe: <see cref="PeerSession"/> serializes access to its states.
/// </remarks>
internal sealed class GuardedKeyArena : IDisposable
{
    public const int SlotSize = RatchetConstants.KeySize;

    /// <summary>Slots per block: one 4 KiB page of keys.</summary>
    public const int SlotsPerBlock = 128;

    private const int BlockShift = 7; // log2(SlotsPerBlock)

    private readonly List<GuardedMemory> _blocks = [];
    private readonly Stack<int> _free = new();
    private int _untouched; // slots at the end of the newest block never handed out
    private bool _disposed;

    /// <summary>Slots handed out and not freed.</summary>
    public int SlotsInUse { get; private set; }

    /// <summary>Guarded blocks mapped (each one page of slots).</summary>
    public int BlockCount => _blocks.Count;

    public bool IsDisposed => _disposed;

    /// <summary>The key in <paramref name="slot"/>.</summary>
    /// <exception cref="ObjectDisposedException">The arena was disposed.</exception>
    public unsafe Span<byte> this[int slot]
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var block = _blocks[slot >> BlockShift];
            return new Span<byte>((byte*)block.DangerousGetHandle() + ((slot & (SlotsPerBlock - 1)) * SlotSize), SlotSize);
        }
    }

    /// <summary>A zeroed slot for a key; <see cref="Free"/> it when the key goes.</summary>
    public int Allocate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int slot;
        if (_free.Count > 0)
        {
            slot = _free.Pop();
        }
        else
        {
            if (_untouched == 0)
            {
                _blocks.Add(GuardedMemory.AllocateWritable(SlotsPerBlock * SlotSize));
                _untouched = SlotsPerBlock;
            }

            slot = (_blocks.Count * SlotsPerBlock) - _untouched;
            _untouched--;
        }

        SlotsInUse++;
        return slot;
    }

    /// <summary>A slot holding a copy of <paramref name="key"/>.</summary>
    public int Allocate(ReadOnlySpan<byte> key)
    {
        var slot = Allocate();
        key.CopyTo(this[slot]);
        return slot;
    }

    /// <summary>Wipes <paramref name="slot"/> and returns it to the free list (a no-op after dispose: all is wiped).</summary>
    public void Free(int slot)
    {
        if (_disposed)
        {
            return;
        }

        CryptographicOperations.ZeroMemory(this[slot]);
        _free.Push(slot);
        SlotsInUse--;
    }

    /// <summary>Wipes and unmaps every block (<c>sodium_free</c> zeroes before unmapping).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var block in _blocks)
        {
            block.Dispose();
        }

        _blocks.Clear();
        _free.Clear();
        SlotsInUse = 0;
    }
}
