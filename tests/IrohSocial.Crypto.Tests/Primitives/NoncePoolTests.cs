using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto.Tests.Primitives;

public class NoncePoolTests
{
    /// <summary>Counts calls and hands out 0, 1, 2, ... so every byte drawn is traceable.</summary>
    private sealed class CountingSource : IRandomSource
    {
        private byte _next;

        public List<int> Requests { get; } = [];

        public void Fill(Span<byte> destination)
        {
            Requests.Add(destination.Length);
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = _next++;
            }
        }
    }

    [Fact]
    public void Fill_HandsOutThePoolInOrder_RefillingOnlyWhenEmpty()
    {
        var source = new CountingSource();
        var pool = new NoncePool(source);
        var nonces = NoncePool.Size / 12;
        var expected = 0;
        for (var n = 0; n < nonces + 1; n++)
        {
            var nonce = new byte[12];
            pool.Fill(nonce);
            for (var i = 0; i < nonce.Length; i++)
            {
                Assert.Equal((byte)expected++, nonce[i]);
            }

            if (n == nonces - 1)
            {
                Assert.Equal([NoncePool.Size], source.Requests);
            }
        }

        // The pool holds a whole number of nonces: the 13th byte-run starts a fresh refill, nothing is skipped.
        Assert.Equal(0, NoncePool.Size % 12);
        Assert.Equal([NoncePool.Size, NoncePool.Size], source.Requests);
    }

    [Fact]
    public void Fill_LargerThanThePool_GoesStraightToTheSource()
    {
        var source = new CountingSource();
        var pool = new NoncePool(source);
        pool.Fill(new byte[NoncePool.Size + 1]);
        Assert.Equal([NoncePool.Size + 1], source.Requests);
    }

    [Fact]
    public void PerThread_GivesDistinctNoncesOnEveryThread()
    {
        const int PerThread = 2 * (NoncePool.Size / 12); // crosses a refill on each thread
        var all = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            var nonce = new byte[12];
            for (var i = 0; i < PerThread; i++)
            {
                NoncePool.PerThread.Fill(nonce);
                all.Add(Convert.ToHexString(nonce));
            }
        });

        Assert.Equal(4 * PerThread, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
    }
}
