using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Benchmarks.Relay;

/// <summary>
/// CPU time per MiB by role, relayed against direct: the relay runs in a child process (the <c>--relay-load-host</c>
/// child: TLS with its identity certificate), both peers (two <see cref="Endpoint"/>s, TCP) in this one. The same
/// bulk echo as <see cref="RelayBenchmarks"/> runs over a direct connection and over a relayed one, alternating, and
/// each run reports this process's CPU (both peers), the relay's CPU, allocations and gen-0 GCs per MiB echoed.
/// Wall time on a loaded 2-core machine says little; CPU per MiB says what each role costs, and so what the ratio
/// would be with the relay on its own machine (peers' CPU per MiB direct / relayed). Results: docs/benchmarks.md.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --relay-cpu [MiB] [rounds] [direct|relay]</c>.
/// </summary>
internal static class RelayCpuHarness
{
    private const string Alpn = "iroh-social/bench/1";

    public static async Task RunAsync(string[] args)
    {
        var mebibytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 64;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var only = args.Length > 2 ? args[2] : null; // "direct" or "relay": one path only (for perf or strace)
        using var host = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, "--relay-load-host")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var relay = RelayAddress.Parse(JsonDocument.Parse(await host.StandardOutput.ReadLineAsync() ?? "{}").RootElement.GetProperty("relay").GetString()!);
        using var serverKey = SecretKey.Generate();
        using var clientKey = SecretKey.Generate();
        await using var server = await Endpoint.BindAsync(new EndpointOptions { SecretKey = serverKey, BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Provider = TransportProvider.TcpTls, Alpns = [Alpn], RelayUrls = [relay] });
        await using var client = await Endpoint.BindAsync(new EndpointOptions { SecretKey = clientKey, BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Provider = TransportProvider.TcpTls, Alpns = [Alpn], RelayUrls = [relay] });
        await server.WaitForRelayAsync();
        var echo = EchoAsync(server);
        try
        {
            await using var direct = await client.ConnectAsync(server.Addr with { RelayUrl = null }, Alpn);
            await using var relayed = await client.ConnectAsync(server.Addr with { DirectAddresses = [] }, Alpn);
            if (direct.Path != ConnectionPath.Tcp || relayed.Path != ConnectionPath.Relay)
            {
                throw new InvalidOperationException($"Expected tcp and relay paths, got {direct.Path} and {relayed.Path}.");
            }

            // Warm both paths (JIT, buffers), then alternate so the machine's load hits both alike.
            await EchoAsync(direct, 32);
            await EchoAsync(relayed, 32);
            Console.WriteLine($"relay CPU harness: {mebibytes} MiB echoed per run (each MiB crosses twice), {rounds} rounds, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            Console.WriteLine("| path | wall | peers CPU / MiB | relay CPU / MiB | peers alloc / MiB | peers gen0 GCs / MiB |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            for (var round = 0; round < rounds; round++)
            {
                foreach (var (name, connection) in new[] { ("direct", direct), ("relay", relayed) }.Where(p => only is null || p.Item1 == only))
                {
                    var relayBefore = await RelayCpuAsync(host);
                    using var self = Process.GetCurrentProcess();
                    var cpu = self.TotalProcessorTime;
                    var allocated = GC.GetTotalAllocatedBytes(precise: false);
                    var gen0 = GC.CollectionCount(0);
                    var clock = Stopwatch.StartNew();
                    await EchoAsync(connection, mebibytes);
                    clock.Stop();
                    self.Refresh();
                    var peersMs = (self.TotalProcessorTime - cpu).TotalMilliseconds;
                    var relayMs = await RelayCpuAsync(host) - relayBefore;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {clock.Elapsed.TotalMilliseconds:0} ms | {peersMs / mebibytes:0.00} ms | {relayMs / mebibytes:0.00} ms | {(GC.GetTotalAllocatedBytes(precise: false) - allocated) / 1024.0 / mebibytes:0.0} KiB | {(GC.CollectionCount(0) - gen0) / (double)mebibytes:0.00} |"));
                }
            }
        }
        finally
        {
            await server.DisposeAsync();
            await client.DisposeAsync();
            await echo;
            host.StandardInput.Close();
            await host.WaitForExitAsync();
        }
    }

    /// <summary>The relay child's CPU time so far (no GC forced, unlike its "measure").</summary>
    private static async Task<double> RelayCpuAsync(Process host)
    {
        await host.StandardInput.WriteLineAsync("cpu");
        await host.StandardInput.FlushAsync();
        return double.Parse((await host.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
    }

    /// <summary>Writes <paramref name="mebibytes"/> MiB on a new stream and reads the echo back.</summary>
    private static Task EchoAsync(Connection connection, int mebibytes) =>
        EchoClient.RoundTripAsync(connection, mebibytes * 1024L * 1024, new byte[64 * 1024]);

    private static async Task EchoAsync(Endpoint server)
    {
        try
        {
            while (true)
            {
                var connection = await server.AcceptAsync();
                _ = Task.Run(async () =>
                {
                    try
                    {
                        while (true)
                        {
                            var stream = await connection.AcceptStreamAsync();
                            _ = Task.Run(async () =>
                            {
                                await using (stream)
                                {
                                    await stream.CopyToAsync(stream);
                                    stream.CompleteWrites();
                                }
                            });
                        }
                    }
                    catch (TransportException)
                    {
                        // connection closed at the end
                    }
                });
            }
        }
        catch (Exception ex) when (ex is TransportException or ObjectDisposedException or OperationCanceledException)
        {
            // endpoint disposed at the end
        }
    }
}
