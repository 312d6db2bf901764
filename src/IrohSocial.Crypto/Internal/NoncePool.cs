namespace IrohSocial.Crypto.Internal;

/// <summary>
/// Nonces for one session, drawn from a small pool that is refilled from the CSPRNG 240 bytes at a time:
/// libsodium's <c>randombytes_buf</c> is a <c>getrandom</c> system call (about 0.4 us, half a short message's AEAD),
/// and a nonce is public, so buffering a few ahead costs nothing in secrecy. Each nonce is handed out once
/// (its pool bytes are cleared). Not thread-safe: <see cref="Crypto.PeerSession"/> serializes access.
/// </summary>
internal sealed class NoncePool(IRandomSource source) : IRandomSource
{
    private const int PoolSize = 240;
    private readonly byte[] _pool = new byte[PoolSize];
    private int _next = PoolSize;

    public void Fill(Span<byte> destination)
    {
        if (destination.Length > PoolSize)
        {
            source.Fill(destination);
            return;
        }

        if (PoolSize - _next < destination.Length)
        {
            source.Fill(_pool);
            _next = 0;
        }

        var slice = _pool.AsSpan(_next, destination.Length);
        slice.CopyTo(destination);
        slice.Clear();
        _next += destination.Length;
    }
}
