using System.Runtime.InteropServices;
using IrohSocial.Crypto.Internal.Interop;

namespace IrohSocial.Crypto.Internal;

/// <summary>
/// A small secret in libsodium guarded memory (<c>sodium_malloc</c>): outside the GC heap (never moved or copied by
/// it), between inaccessible guard pages, behind a canary checked on free, excluded from core dumps and locked in RAM
/// where the OS allows (libsodium goes on without the lock when a limit refuses it). <see cref="Create"/> writes the
/// secret once and makes it read-only, so a stray write faults instead of corrupting the key; <see cref="AllocateWritable"/>
/// is for keys that change in place (the ratchet's <see cref="GuardedKeyArena"/>). Freed (and zeroed by libsodium)
/// when the last user releases it, so a <see cref="SafeHandle.Dispose()"/> racing a use never frees memory still being
/// read.
/// </summary>
internal sealed class GuardedMemory : SafeHandle
{
    private GuardedMemory(nint pointer, int length)
        : base(0, ownsHandle: true)
    {
        SetHandle(pointer);
        Length = length;
    }

    public int Length { get; }

    public override bool IsInvalid => handle == 0;

    /// <summary>Copies <paramref name="secret"/> into fresh guarded memory and makes it read-only.</summary>
    /// <exception cref="OutOfMemoryException">libsodium could not map the pages.</exception>
    public static unsafe GuardedMemory Create(ReadOnlySpan<byte> secret)
    {
        Libsodium.EnsureInitialized();
        var pointer = Libsodium.sodium_malloc((nuint)secret.Length);
        if (pointer == 0)
        {
            throw new OutOfMemoryException("libsodium could not allocate guarded memory for a key.");
        }

        var memory = new GuardedMemory(pointer, secret.Length);
        secret.CopyTo(new Span<byte>((void*)pointer, secret.Length));
        _ = Libsodium.sodium_mprotect_readonly(pointer); // best effort: the secret is already in place either way
        return memory;
    }

    /// <summary>
    /// Allocates <paramref name="length"/> zeroed bytes of guarded memory that stay writable, for keys that change in
    /// place (<see cref="GuardedKeyArena"/>): guard pages, canary, no core dumps and the lock in RAM still apply.
    /// </summary>
    /// <exception cref="OutOfMemoryException">libsodium could not map the pages.</exception>
    public static unsafe GuardedMemory AllocateWritable(int length)
    {
        Libsodium.EnsureInitialized();
        var pointer = Libsodium.sodium_malloc((nuint)length);
        if (pointer == 0)
        {
            throw new OutOfMemoryException("libsodium could not allocate guarded memory for keys.");
        }

        new Span<byte>((void*)pointer, length).Clear(); // sodium_malloc fills with a garbage pattern
        return new GuardedMemory(pointer, length);
    }

    /// <summary>Reads the secret; dispose the lease when done (until then the memory cannot be freed).</summary>
    /// <exception cref="ObjectDisposedException">The memory was released.</exception>
    public Lease Read()
    {
        var added = false;
        DangerousAddRef(ref added); // throws ObjectDisposedException once closed
        return new Lease(this);
    }

    protected override bool ReleaseHandle()
    {
        Libsodium.sodium_free(handle); // zeroes, checks the canary, unmaps
        return true;
    }

    /// <summary>A read of the secret in progress.</summary>
    public readonly ref struct Lease
    {
        private readonly GuardedMemory _owner;

        internal Lease(GuardedMemory owner) => _owner = owner;

        public unsafe ReadOnlySpan<byte> Span => new((void*)_owner.DangerousGetHandle(), _owner.Length);

        public void Dispose() => _owner.DangerousRelease();
    }
}
