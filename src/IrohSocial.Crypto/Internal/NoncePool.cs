namespace IrohSocial.Crypto.Internal;

/// <summary>
/// Nonces drawn from a small pool that is refilled from the CSPRNG <see cref="Size"/> bytes at a time: libsodium's
/// <c>randombytes_buf</c> is a <c>getrandom</c> system call (about 1 us with its fixed cost, more than a short
/// message's AEAD), and a nonce is public, so buffering a few ahead costs nothing in secrecy. Each nonce is handed
/// out once (its pool bytes are cleared). An instance is not thread-safe; production sessions share
/// <see cref="PerThread"/>, one pool per thread, so many sessions that each send rarely still refill rarely and no
/// session carries a pool of its own.
/// </summary>
internal sealed class NoncePool(IRandomSource source) : IRandomSource
{
    /// <summary>Bytes per refill: 85 ratchet nonces of 12 bytes (a whole number, so no pool bytes are discarded).</summary>
    public const int Size = 1020;

    [ThreadStatic]
    private static NoncePool? t_pool;

    private readonly byte[] _pool = new byte[Size];
    private int _next = Size;

    /// <summary>The calling thread's pool over <see cref="SodiumRandom"/>.</summary>
    public static IRandomSource PerThread { get; } = new PerThreadSource();

    public void Fill(Span<byte> destination)
    {
        if (destination.Length > Size)
        {
            source.Fill(destination);
            return;
        }

        if (Size - _next < destination.Length)
        {
            source.Fill(_pool);
            _next = 0;
        }

        var slice = _pool.AsSpan(_next, destination.Length);
        slice.CopyTo(destination);
        slice.Clear();
        _next += destination.Length;
    }

    private sealed class PerThreadSource : IRandomSource
    {
        public void Fill(Span<byte> destination) => (t_pool ??= new NoncePool(SodiumRandom.Instance)).Fill(destination);
    }
}
