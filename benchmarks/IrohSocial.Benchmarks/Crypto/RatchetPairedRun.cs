using System.Diagnostics;
using IrohSocial.Crypto;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Benchmarks.Crypto;

/// <summary>
/// The ratchet/raw-AEAD ratio made to hold on a shared machine: BenchmarkDotNet measures one method after the other,
/// so a load swing between them lands in the ratio (issue 23 saw 2.35x and 3.34x for the same code). Here every round
/// times a short block of raw ChaCha20-Poly1305 round trips and a block of ratchet round trips of the same size in a
/// random order, back to back, and takes their ratio; the report is the median over the rounds with a bootstrap 95 %
/// interval, plus the allocation per ratchet round trip.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --ratchet-paired [rounds] [sizes...]</c>.
/// </summary>
internal static class RatchetPairedRun
{
    // Blocks of a few tens of microseconds, so a scheduler slice of another process rarely lands in one of the pair.
    private static int BlockFor(int size) => size <= 1024 ? 20 : 4;

    public static void Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3000;
        var sizes = args.Length > 1 ? args[1..].Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : [64, 1024, 16384];
        using var alice = SecretKey.Generate();
        using var bob = SecretKey.Generate();
        using var sender = PeerSession.Create(alice, bob.PublicKey);
        using var receiver = PeerSession.Create(bob, alice.PublicKey);
        Deliver(sender, receiver, new byte[64]);
        Deliver(receiver, sender, new byte[64]);
        Deliver(sender, receiver, new byte[64]);
        var key = new byte[32];
        var nonce = new byte[12];
        var ad = new byte[1 + 64 + RatchetHeader.BaseSize];
        SodiumRandom.Instance.Fill(key);
        Console.WriteLine($"rounds={rounds} blocks of 20 (<= 1 KiB) or 4 round trips; chain step on {(ChainKeyHmac.UsesOpenSsl ? "OpenSSL" : "libsodium")} SHA-256; load={LoadAverage()}");
        foreach (var size in sizes)
        {
            var block = BlockFor(size);
            var payload = new byte[size];
            var sealedBuffer = new byte[size + 16];
            var opened = new byte[size];
            void Raw()
            {
                for (var i = 0; i < block; i++)
                {
                    ChaCha20Poly1305Ietf.Encrypt(key, nonce, ad, payload, sealedBuffer);
                    ChaCha20Poly1305Ietf.TryDecrypt(key, nonce, ad, sealedBuffer, opened);
                }
            }

            void Ratchet()
            {
                for (var i = 0; i < block; i++)
                {
                    Deliver(sender, receiver, payload);
                }
            }

            WarmUp(Raw, Ratchet);
            var ratios = new double[rounds];
            double rawTotal = 0, ratchetTotal = 0;
            for (var r = 0; r < rounds; r++)
            {
                double rawTime, ratchetTime;
                if (Random.Shared.Next(2) == 0)
                {
                    rawTime = Time(Raw);
                    ratchetTime = Time(Ratchet);
                }
                else
                {
                    ratchetTime = Time(Ratchet);
                    rawTime = Time(Raw);
                }

                ratios[r] = ratchetTime / rawTime;
                rawTotal += rawTime;
                ratchetTotal += ratchetTime;
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            Ratchet();
            var allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)block;
            var (low, high) = BootstrapMedian(ratios);
            Console.WriteLine($"size {size,6}: ratchet / raw AEAD round trip = {Median(ratios):0.00} (95 % CI {low:0.00}-{high:0.00}); "
                + $"mean raw {rawTotal / rounds / block * 1e6:0.00} us, ratchet {ratchetTotal / rounds / block * 1e6:0.00} us; ratchet allocates {allocated:0} B per round trip");
        }

        Console.WriteLine($"load={LoadAverage()}");
    }

    /// <summary>
    /// Runs both blocks until the JIT has stopped compiling: tiered compilation first runs every method unoptimized and
    /// swaps in the optimized version only after a 100 ms quiet period on a background thread, so a size measured right
    /// after one warm-up call ran mostly on tier-0 code (64 B measured first gave 4.1x; the same size measured again in
    /// the same process 2.4x). At least half a second, until no method was compiled for two 100 ms windows in a row.
    /// </summary>
    private static void WarmUp(Action raw, Action ratchet)
    {
        var start = Stopwatch.GetTimestamp();
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quietWindows = 0;
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < 10)
        {
            var window = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(window).TotalMilliseconds < 100)
            {
                raw();
                ratchet();
            }

            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quietWindows = now == compiled ? quietWindows + 1 : 0;
            compiled = now;
            if (quietWindows >= 2 && Stopwatch.GetElapsedTime(start).TotalSeconds >= 0.5)
            {
                return;
            }
        }
    }

    private static void Deliver(PeerSession from, PeerSession to, byte[] payload)
    {
        if (!to.TryDecrypt(from.Encrypt(payload), out _, out _))
        {
            throw new InvalidOperationException("Ratchet round trip failed.");
        }
    }

    private static double Time(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static (double Low, double High) BootstrapMedian(double[] values)
    {
        var random = new Random(1);
        var medians = new double[1000];
        var sample = new double[values.Length];
        for (var b = 0; b < medians.Length; b++)
        {
            for (var i = 0; i < sample.Length; i++)
            {
                sample[i] = values[random.Next(values.Length)];
            }

            medians[b] = Median(sample);
        }

        Array.Sort(medians);
        return (medians[25], medians[974]);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
