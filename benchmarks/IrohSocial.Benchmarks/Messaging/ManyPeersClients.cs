using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Benchmarks.Messaging;

/// <summary>
/// The client side of <see cref="ManyPeersHarness"/>, run as its own process: N DmClients (in-memory stores, loopback),
/// each connects to the hub by delivering one message, then on "GO" sends one message per second with a random
/// phase. Latency is from the send call to the Delivered event (the hub decrypted, stored and acked it).
/// Protocol on stdout: free-form lines, then "CONNECTED", later "DONE"; on stdin: "GO", then "EXIT".
/// </summary>
internal static class ManyPeersClients
{
    private const int ConnectConcurrency = 32; // below the hub's pending-handshake budget (128)

    public static async Task RunAsync(string[] args)
    {
        var provider = args[0] == "quic" ? TransportProvider.Quic : TransportProvider.TcpTls;
        var peers = int.Parse(args[1], CultureInfo.InvariantCulture);
        var seconds = int.Parse(args[2], CultureInfo.InvariantCulture);
        var hub = EndpointAddr.ParseTicket(args[3]);
        var sentAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var clients = new DmClient[peers];
        var keys = new SecretKey[peers];
        var failures = 0;
        try
        {
            var started = Stopwatch.StartNew();
            await Parallel.ForAsync(0, peers, new ParallelOptions { MaxDegreeOfParallelism = ConnectConcurrency }, async (i, ct) =>
            {
                keys[i] = SecretKey.Generate();
                clients[i] = await DmClient.StartAsync(
                    new DmClientOptions { SecretKey = keys[i], Store = new InMemoryMessagingStore(), Provider = provider, BindAddress = new IPEndPoint(IPAddress.Loopback, 0) }, ct);
                var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                clients[i].MessageDelivered += (_, e) =>
                {
                    var now = Stopwatch.GetTimestamp();
                    delivered.TrySetResult();
                    if (sentAt.TryRemove(e.MessageId, out var sent))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                    }
                };
                await clients[i].SendMessageAsync(hub, "hello", cancellationToken: ct);
                await delivered.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);
            });
            Console.WriteLine($"{peers} clients started and connected in {started.Elapsed.TotalSeconds:0.0} s");
            Console.WriteLine("CONNECTED");
            if (await Console.In.ReadLineAsync() != "GO")
            {
                return;
            }

            var load = new LoadSampler();
            var start = Stopwatch.GetTimestamp();
            var sent = 0;
            await Task.WhenAll(clients.Select(async client =>
            {
                // One message a second, at a random phase within the second, due times fixed in advance (no drift).
                var phase = Random.Shared.NextDouble();
                for (var k = 0; k < seconds; k++)
                {
                    var due = start + (long)((k + phase) * Stopwatch.Frequency);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }

                    // The id is known only when the send returns: record the send time under it then (the ack cannot
                    // be processed before the id exists in the store, so nothing is lost by recording it late).
                    var t = Stopwatch.GetTimestamp();
                    try
                    {
                        var id = await client.SendMessageAsync(hub, "a message of a typical chat length, about sixty characters");
                        if (!sentAt.TryAdd(id, t))
                        {
                            Interlocked.Increment(ref failures);
                        }

                        Interlocked.Increment(ref sent);
                    }
                    catch (MessagingException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }));
            var drain = Stopwatch.StartNew();
            while (latencies.Count < sent && drain.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }

            var usage = load.Stop();
            var sorted = latencies.Order().ToArray();
            Console.WriteLine($"sent {sent}, acked {sorted.Length}, failed sends {failures}, rate {sent / (double)seconds:0} msgs/s");
            if (sorted.Length > 0)
            {
                Console.WriteLine($"send-to-delivered latency ms: p50 {Pct(sorted, 0.50):0.00} p95 {Pct(sorted, 0.95):0.00} p99 {Pct(sorted, 0.99):0.00} max {sorted[^1]:0.00}");
            }

            Console.WriteLine($"client process: CPU {usage.CpuPercent:0}% of one core, thread pool max {usage.MaxPoolThreads}, pending work items max {usage.MaxPendingItems}, process threads max {usage.MaxThreads}");
            Console.WriteLine("DONE");
            await Console.In.ReadLineAsync();
        }
        finally
        {
            await Parallel.ForEachAsync(clients.Where(c => c is not null), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) => await c.DisposeAsync());
            foreach (var key in keys.Where(k => k is not null))
            {
                key.Dispose();
            }
        }
    }

    private static double Pct(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];
}
