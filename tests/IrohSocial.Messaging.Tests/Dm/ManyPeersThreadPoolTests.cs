using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>Runs alone: the thread pool is process-wide, so a parallel test would move the count it watches.</summary>
[CollectionDefinition(nameof(ThreadPoolCollection), DisableParallelization = true)]
public sealed class ThreadPoolCollection;

/// <summary>
/// Issue 23 item 4 at test scale: one hub with many connected peers, each sending one message per second, must not
/// need more thread-pool threads than the cores plus a small margin. A thread blocked per connection, or sync-over-async
/// on the receive path, makes the pool inject threads (about one per core every few hundred ms while work waits), which
/// this catches without any timing assertion: it compares thread counts, and waits only to bound a hung test.
/// </summary>
[Collection(nameof(ThreadPoolCollection))]
public sealed class ManyPeersThreadPoolTests
{
    private const int Peers = 100;
    private const int Seconds = 8;

    // Calibrated (2 cores, machine shared with other builds): see the numbers in docs/benchmarks.md, "Many peers".
    private const int Margin = 16;

    [Fact]
    public Task ManyPeers_EachSendingOncePerSecond_DoNotGrowThePool() => RunAsync(blockingHandler: false, expectWithinBound: true);

    /// <summary>
    /// The calibration: the same run with a hub handler that blocks (sync-over-async) must break the bound, showing that
    /// the bound catches blocking. Explicit: it is meant to grow the pool, which costs the suite time and threads.
    /// </summary>
    [Fact(Explicit = true)]
    public Task ManyPeers_WithABlockingHandler_GrowThePool() => RunAsync(blockingHandler: true, expectWithinBound: false);

    private static async Task RunAsync(bool blockingHandler, bool expectWithinBound)
    {
        var provider = TestTransport.Require();
        var output = TestContext.Current.TestOutputHelper;
        var owned = new List<IAsyncDisposable>();
        var keys = new List<SecretKey>();
        // The bound is set before anything starts: blocking while the peers connect counts as much as blocking later.
        var atStart = ThreadPool.ThreadCount;
        var bound = Math.Max(atStart, Environment.ProcessorCount) + Margin;
        using var sampler = new PoolSampler();
        try
        {
            var hub = await StartClientAsync(provider, owned, keys);
            var received = 0;
            hub.MessageReceived += (_, _) =>
            {
                Interlocked.Increment(ref received);
                if (blockingHandler)
                {
                    Task.Delay(20).GetAwaiter().GetResult(); // what the calibration injects: sync-over-async
                }
            };

            var clients = new DmClient[Peers];
            var delivered = new int[Peers];
            await Parallel.ForAsync(0, Peers, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            {
                clients[i] = await StartClientAsync(provider, owned, keys);
                var index = i;
                clients[i].MessageDelivered += (_, _) => Interlocked.Increment(ref delivered[index]);
                await clients[i].SendMessageAsync(hub.LocalAddress, "hello");
            });
            await Eventually.WaitAsync(() => Task.FromResult(delivered.All(d => d >= 1)), "every peer connected and delivered its first message", 120);

            // Steady state from here: N peers, each one message a second at its own phase.
            var peakWhileConnecting = sampler.Peak;
            var start = DateTime.UtcNow;
            await Task.WhenAll(clients.Select(async client =>
            {
                var phase = TimeSpan.FromMilliseconds(Random.Shared.Next(1000));
                for (var k = 0; k < Seconds; k++)
                {
                    var wait = start + phase + TimeSpan.FromSeconds(k) - DateTime.UtcNow;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }

                    await client.SendMessageAsync(hub.LocalAddress, "a message of a typical chat length, about sixty characters");
                }
            }));
            await Eventually.WaitAsync(() => Task.FromResult(delivered.All(d => d >= 1 + Seconds)), "every message acknowledged", 120);
            var peak = sampler.Stop();

            output?.WriteLine($"{provider}: {Peers} peers x {Seconds} messages; pool at start {atStart}, peak {peakWhileConnecting} while connecting, {peak} overall, bound {bound}; cores {Environment.ProcessorCount}; hub received {received}");
            Assert.Equal(Peers * (1 + Seconds), Volatile.Read(ref received));
            if (expectWithinBound)
            {
                Assert.True(peak <= bound, $"The thread pool grew to {peak} threads (bound {bound}: {atStart} at start, {Environment.ProcessorCount} cores): something blocks pool threads.");
            }
            else
            {
                Assert.True(peak > bound, $"The blocking variant stayed within the bound ({peak} <= {bound}): the bound would not catch blocking.");
            }
        }
        finally
        {
            await Parallel.ForEachAsync(owned, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (o, _) => await o.DisposeAsync());
            keys.ForEach(k => k.Dispose());
        }
    }

    private static async Task<DmClient> StartClientAsync(TransportProvider provider, List<IAsyncDisposable> owned, List<SecretKey> keys)
    {
        var key = SecretKey.Generate();
        lock (keys)
        {
            keys.Add(key);
        }

        var client = await DmClient.StartAsync(new DmClientOptions
        {
            SecretKey = key, Store = new InMemoryMessagingStore(), Provider = provider, BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
            RetryPolicy = TestNode.FastRetry,
        });
        lock (owned)
        {
            owned.Add(client);
        }

        return client;
    }

    /// <summary>Largest <see cref="ThreadPool.ThreadCount"/> seen, sampled on a dedicated thread (not a pool thread).</summary>
    private sealed class PoolSampler : IDisposable
    {
        private readonly ManualResetEventSlim _stop = new();
        private readonly Thread _thread;
        private volatile int _peak;

        public PoolSampler()
        {
            _thread = new Thread(() =>
            {
                do
                {
                    _peak = Math.Max(_peak, ThreadPool.ThreadCount);
                }
                while (!_stop.Wait(20));
            }) { IsBackground = true, Name = "pool sampler" };
            _thread.Start();
        }

        public int Peak => _peak;

        public int Stop()
        {
            _stop.Set();
            _thread.Join();
            return _peak;
        }

        public void Dispose()
        {
            Stop();
            _stop.Dispose();
        }
    }
}
