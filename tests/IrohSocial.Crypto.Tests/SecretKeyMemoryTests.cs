namespace IrohSocial.Crypto.Tests;

/// <summary>Where the identity seed lives and how long: libsodium guarded memory, no heap copies when used.</summary>
public sealed class SecretKeyMemoryTests
{
    [Fact]
    public unsafe void Seed_LivesInGuardedMemory_EndingAtAGuardPage()
    {
        using var key = SecretKey.Generate();
        using var seed = key.ReadSeed();
        fixed (byte* start = seed.Span)
        {
            // sodium_malloc places the buffer so that it ends where an inaccessible guard page begins.
            Assert.Equal(0, ((nint)start + SecretKey.Size) % Environment.SystemPageSize);
        }
    }

    [Fact]
    public void SignAndExport_CopyNothingToTheHeap()
    {
        using var key = SecretKey.Generate();
        var message = new byte[100];
        Span<byte> signature = stackalloc byte[64];
        Span<byte> exported = stackalloc byte[SecretKey.Size];
        key.Sign(message, signature); // warm up (JIT, libsodium init)
        var before = GC.GetAllocatedBytesForCurrentThread();
        key.Sign(message, signature);
        key.Export(exported);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(key.PublicKey.Verify(message, signature));
        exported.Clear();
    }

    [Fact]
    public void Dispose_WhileTheSeedIsBeingRead_FreesOnlyAfterTheRead()
    {
        var key = SecretKey.Generate();
        var expected = new byte[SecretKey.Size];
        key.Export(expected);
        var seed = key.ReadSeed();
        key.Dispose(); // a racing Dispose must not unmap memory still in use
        Assert.Equal(expected, seed.Span.ToArray());
        seed.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.Export(new byte[SecretKey.Size]));
        Assert.Throws<ObjectDisposedException>(() => key.Sign([1, 2, 3]));
        key.Dispose();
    }

    [Fact]
    public void ManyKeys_CreatedAndDisposed_StayUsable()
    {
        // Guarded pages are mapped per key: creating and freeing many must neither leak nor fail.
        for (var i = 0; i < 2000; i++)
        {
            using var key = SecretKey.Generate();
            Assert.True(key.PublicKey.Verify("x"u8, key.Sign("x"u8)));
        }
    }
}
