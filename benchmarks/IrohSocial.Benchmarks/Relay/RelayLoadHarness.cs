using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Relay;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal.Relay;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Benchmarks.Relay;

/// <summary>
/// One relay under load, measured from outside: the relay runs in a child process (<c>--relay-load-host</c>, TLS with
/// its identity certificate, as deployed), this process registers N ids (1,000), opens M relayed sessions (200) to
/// them, then pushes bulk data through some of them. The child reports its managed heap (after a full blocking GC),
/// its working set and its CPU time at each step, so the figures are the relay's own: memory per registration and per
/// session, CPU per relayed MB. Results: docs/benchmarks.md.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --relay-load [ids] [sessions] [MiB]</c>.
/// </summary>
internal static class RelayLoadHarness
{
    public static async Task RunAsync(string[] args)
    {
        var ids = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var sessions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var mebibytes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 256;
        using var host = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, "--relay-load-host")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var relay = RelayAddress.Parse(JsonDocument.Parse(await host.StandardOutput.ReadLineAsync() ?? "{}").RootElement.GetProperty("relay").GetString()!);
        var keys = Enumerable.Range(0, ids).Select(_ => SecretKey.Generate()).ToArray();
        var listeners = new List<RelayListener>();
        var streams = new List<RelayedStream>();
        try
        {
            // Warm the relay (JIT, TLS, first allocations) with one registration and one session, then take the baseline.
            var warm = await RegisterAsync(relay, keys[0]);
            listeners.Add(warm);
            await using (var warmSession = await DialAsync(relay, keys[0].PublicKey))
            {
                await warmSession.WriteAsync(new byte[1024]);
                await warmSession.FlushAsync();
                await warmSession.ReadExactlyAsync(new byte[1024]);
            }

            var baseline = await MeasureAsync(host);
            foreach (var chunk in keys.Skip(1).Chunk(50))
            {
                listeners.AddRange(await Task.WhenAll(chunk.Select(k => RegisterAsync(relay, k))));
            }

            var registered = await MeasureAsync(host);
            var dialers = keys.Take(sessions).ToArray();
            foreach (var chunk in dialers.Chunk(25))
            {
                streams.AddRange(await Task.WhenAll(chunk.Select(k => DialAsync(relay, k.PublicKey))));
            }

            // One round trip on each, so every session is spliced and has moved bytes.
            await Task.WhenAll(streams.Select(async s =>
            {
                await s.WriteAsync(new byte[64]);
                await s.FlushAsync();
                await s.ReadExactlyAsync(new byte[64]);
            }));
            var spliced = await MeasureAsync(host);

            // Bulk: 8 sessions echo mebibytes in total (each byte crosses the relay twice: there and back).
            var bulk = streams.Take(8).ToArray();
            var perSession = (long)mebibytes * 1024 * 1024 / bulk.Length;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(bulk.Select(s => PumpAsync(s, perSession)));
            clock.Stop();
            var pumped = await MeasureAsync(host);

            var relayedMiB = (pumped.Bytes - spliced.Bytes) / (1024.0 * 1024);
            Console.WriteLine($"relay load: {ids} registered ids, {sessions} sessions, {relayedMiB:0} MiB relayed in {clock.Elapsed.TotalSeconds:0.0} s");
            Console.WriteLine($"| step | managed heap | working set | relay CPU |");
            Console.WriteLine($"| --- | ---: | ---: | ---: |");
            foreach (var (name, m) in new[] { ("baseline (1 id, warm)", baseline), ($"{ids} registered", registered), ($"+ {sessions} sessions", spliced), ($"+ {relayedMiB:0} MiB relayed", pumped) })
            {
                Console.WriteLine($"| {name} | {m.Heap / 1048576.0:0.0} MiB | {m.WorkingSet / 1048576.0:0.0} MiB | {m.CpuMs:0} ms |");
            }

            Console.WriteLine($"per registration: heap {(registered.Heap - baseline.Heap) / (ids - 1.0) / 1024:0.0} KiB, working set {(registered.WorkingSet - baseline.WorkingSet) / (ids - 1.0) / 1024:0.0} KiB");
            Console.WriteLine($"per session: heap {(spliced.Heap - registered.Heap) / (double)sessions / 1024:0.0} KiB, working set {(spliced.WorkingSet - registered.WorkingSet) / (double)sessions / 1024:0.0} KiB");
            Console.WriteLine($"relay CPU per relayed MiB: {(pumped.CpuMs - spliced.CpuMs) / relayedMiB:0.00} ms; throughput {relayedMiB / clock.Elapsed.TotalSeconds:0} MiB/s through the relay");
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }

            foreach (var listener in listeners)
            {
                await listener.DisposeAsync();
            }

            host.StandardInput.Close();
            await host.WaitForExitAsync();
            foreach (var key in keys)
            {
                key.Dispose();
            }
        }
    }

    /// <summary>The child: a relay on loopback (TLS, identity certificate) that answers "measure" lines on stdin.</summary>
    public static async Task HostAsync()
    {
        using var identity = SecretKey.Generate();
        await using var relay = await RelayHost.StartAsync(new RelayHostOptions
        {
            // Every test client comes from 127.0.0.1, and each registers once: lift the per-IP and per-id budgets.
            Relay = new RelayServerOptions { Identity = identity, MaxSocketsPerIp = 100_000, RequestsPerSecondPerId = 1000, RequestBurstPerId = 1000 },
            BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        });
        long bytes = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "IrohSocial.Relay" && instrument.Name == "irohsocial.relay.bytes")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref bytes, value));
        listener.Start();
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["relay"] = relay.Address.ToString() }));
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "measure")
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                using var self = Process.GetCurrentProcess();
                Console.WriteLine(string.Join(' ', GC.GetTotalMemory(false), self.WorkingSet64, (long)self.TotalProcessorTime.TotalMilliseconds, Interlocked.Read(ref bytes), relay.RegisteredCount, relay.ActiveSessions));
            }
            else if (line == "cpu")
            {
                // CPU time only, no forced GC: RelayCpuHarness reads it around each run.
                using var self = Process.GetCurrentProcess();
                Console.WriteLine(self.TotalProcessorTime.TotalMilliseconds.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    private static async Task<Measurement> MeasureAsync(Process host)
    {
        await Task.Delay(500); // let sockets settle
        await host.StandardInput.WriteLineAsync("measure");
        await host.StandardInput.FlushAsync();
        var parts = (await host.StandardOutput.ReadLineAsync())!.Split(' ').Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return new Measurement(parts[0], parts[1], parts[2], parts[3], (int)parts[4], (int)parts[5]);
    }

    private static async Task<RelayListener> RegisterAsync(RelayAddress relay, SecretKey key)
    {
        var listener = new RelayListener(new RelayClient(key, relay, TimeSpan.FromSeconds(30), TimeProvider.System), EchoAsync, NullLogger.Instance, TimeProvider.System);
        listener.Start();
        await listener.WaitRegisteredAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        return listener;
    }

    private static async Task<RelayedStream> DialAsync(RelayAddress relay, EndpointId target)
    {
        using var dialer = SecretKey.Generate();
        return await new RelayClient(dialer, relay, TimeSpan.FromSeconds(30), TimeProvider.System).DialAsync(target, CancellationToken.None);
    }

    private static async Task EchoAsync(RelayedStream stream, CancellationToken cancellationToken)
    {
        await using (stream)
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await stream.FlushAsync(cancellationToken); // RelayedStream buffers up to a message
            }
        }
    }

    private static async Task PumpAsync(RelayedStream stream, long total)
    {
        var chunk = new byte[64 * 1024];
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            long got = 0;
            while (got < total)
            {
                got += await stream.ReadAsync(buffer);
            }
        });
        for (long sent = 0; sent < total; sent += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }

        await stream.FlushAsync();
        await reader;
    }

    private sealed record Measurement(long Heap, long WorkingSet, long CpuMs, long Bytes, int Registered, int Sessions);
}
