using System.Runtime.InteropServices;
using IrohSocial.Crypto.Internal;
using Microsoft.Diagnostics.Runtime;

namespace IrohSocial.Crypto.Tests.Ratchet;

/// <summary>
/// Where ratchet keys live: every root, chain, ratchet private and skipped message key, and the identity's X25519
/// scalar, in libsodium guarded memory, so no copy of them is ever on the managed heap.
/// </summary>
public sealed class RatchetMemoryTests
{
    [Fact]
    public void RoundTrip_LeavesNoRatchetKeyOnTheManagedHeap()
    {
        using var aliceKey = SecretKey.Generate();
        using var bobKey = SecretKey.Generate();
        using var alice = PeerSession.Create(aliceKey, bobKey.PublicKey);
        using var bob = PeerSession.Create(bobKey, aliceKey.PublicKey);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(bob.TryDecrypt(alice.Encrypt("to bob"u8), out _, out _));
            Assert.True(alice.TryDecrypt(bob.Encrypt("to alice"u8), out _, out _));
        }

        // Two messages that never arrive leave skipped keys behind on Bob's side.
        alice.Encrypt("lost"u8);
        alice.Encrypt("lost"u8);
        Assert.True(bob.TryDecrypt(alice.Encrypt("after the gap"u8), out _, out _));
        Assert.Equal(2, bob.Primary!.SkippedKeyCount);

        // A managed array holding a known value proves the scan reads the heap.
        var canary = GC.AllocateUninitializedArray<byte>(RatchetConstants.KeySize);
        SodiumRandom.Instance.Fill(canary);
        using var needles = new NativeNeedles();
        needles.Add(canary, "canary");
        Span<byte> seed = stackalloc byte[SecretKey.Size];
        Span<byte> scalar = stackalloc byte[RatchetConstants.KeySize];
        foreach (var (session, identity, name) in new[] { (alice, aliceKey, "alice"), (bob, bobKey, "bob") })
        {
            AddArenaKeys(needles, session.Primary!.Keys, name);
            identity.Export(seed);
            KeyConversion.ConvertSeed(seed, scalar);
            needles.Add(scalar, name + " identity X25519 scalar");
            seed.Clear();
            scalar.Clear();
        }

        Assert.True(needles.Count > 10, $"only {needles.Count} keys to look for");
        GC.Collect(); // moved objects leave their old bytes in free space, which the scan covers too

        var found = ScanManagedHeap(needles);
        GC.KeepAlive(canary);
        Assert.Contains("canary", found);
        Assert.Equal(["canary"], found);
    }

    [Fact]
    public unsafe void Arena_SlotsLiveInGuardedPages_WipedWhenFreed()
    {
        using var arena = new GuardedKeyArena();
        var first = arena.Allocate("0123456789abcdef0123456789abcdef"u8);
        fixed (byte* start = arena[first])
        {
            // One page of slots per sodium_malloc: the block starts at a page and ends at the guard page.
            Assert.Equal(0, (nint)start % Environment.SystemPageSize);
        }

        Assert.Equal("0123456789abcdef0123456789abcdef"u8.ToArray(), arena[first].ToArray());
        arena.Free(first);
        Assert.False(arena[first].ContainsAnyExcept((byte)0));
        Assert.Equal(0, arena.SlotsInUse);

        // Grows a page at a time and reuses freed slots before mapping more.
        var slots = Enumerable.Range(0, GuardedKeyArena.SlotsPerBlock + 1).Select(_ => arena.Allocate()).ToList();
        Assert.Equal(2, arena.BlockCount);
        arena.Free(slots[5]);
        Assert.Equal(slots[5], arena.Allocate());
        Assert.Equal(2, arena.BlockCount);

        arena.Dispose();
        Assert.Equal(0, arena.BlockCount);
        Assert.Throws<ObjectDisposedException>(() => arena.Allocate());
    }

    private static void AddArenaKeys(NativeNeedles needles, GuardedKeyArena arena, string owner)
    {
        for (var slot = 0; slot < arena.BlockCount * GuardedKeyArena.SlotsPerBlock; slot++)
        {
            if (arena[slot].ContainsAnyExcept((byte)0))
            {
                needles.Add(arena[slot], $"{owner} ratchet key in slot {slot}");
            }
        }
    }

    /// <summary>Snapshots this process (a core dump on Linux) and searches every GC segment, free space included.</summary>
    private static List<string> ScanManagedHeap(NativeNeedles needles)
    {
        using var target = DataTarget.CreateSnapshotAndAttach(Environment.ProcessId);
        // The DAC beside the running runtime (ClrMD's own search does not find it on every Linux install).
        var dac = Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), OperatingSystem.IsWindows() ? "mscordaccore.dll" : "libmscordaccore.so");
        using var runtime = target.ClrVersions.Single().CreateRuntime(dac, ignoreMismatch: true);
        var found = new HashSet<string>();
        const int ChunkSize = 1 << 20;
        var buffer = new byte[ChunkSize + RatchetConstants.KeySize];
        foreach (var segment in runtime.Heap.Segments)
        {
            var range = segment.CommittedMemory;
            for (var address = range.Start; address < range.End; address += ChunkSize)
            {
                var length = (int)Math.Min((ulong)buffer.Length, range.End - address);
                var read = target.DataReader.Read(address, buffer.AsSpan(0, length));
                needles.FindIn(buffer.AsSpan(0, read), found);
            }
        }

        Array.Clear(buffer);
        return [.. found.Order()];
    }

    /// <summary>The keys searched for, copied to native memory so the search itself puts none on the managed heap.</summary>
    private sealed unsafe class NativeNeedles : IDisposable
    {
        private const int Capacity = 256;
        private readonly byte* _keys = (byte*)NativeMemory.AllocZeroed(Capacity * RatchetConstants.KeySize);
        private readonly List<string> _names = [];

        public int Count => _names.Count;

        public void Add(ReadOnlySpan<byte> key, string name)
        {
            key.CopyTo(new Span<byte>(_keys + (_names.Count * RatchetConstants.KeySize), RatchetConstants.KeySize));
            _names.Add(name);
        }

        public void FindIn(ReadOnlySpan<byte> memory, HashSet<string> found)
        {
            for (var i = 0; i < _names.Count; i++)
            {
                if (memory.IndexOf(new ReadOnlySpan<byte>(_keys + (i * RatchetConstants.KeySize), RatchetConstants.KeySize)) >= 0)
                {
                    found.Add(_names[i]);
                }
            }
        }

        public void Dispose()
        {
            NativeMemory.Clear(_keys, Capacity * RatchetConstants.KeySize);
            NativeMemory.Free(_keys);
        }
    }
}
