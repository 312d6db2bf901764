using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using IrohSocial.Crypto;
using IrohSocial.Media;
using IrohSocial.Relay;
using IrohSocial.Transport;

namespace IrohSocial.Benchmarks.Relay;

/// <summary>
/// Relayed against direct on loopback, in the same run: an acknowledged DM round trip (send, wait for the ack) between
/// two nodes, and bulk throughput (4 MiB on one stream, echoed back) over one connection. "relay" connects through a
/// loopback <see cref="RelayHost"/> (TLS) with a relay-only address. Goals (issue 14): DM round trip relayed ≤ 1.5x
/// direct, throughput relayed ≥ 0.7x direct. Results: docs/benchmarks.md.
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --filter '*RelayBenchmarks*'</c>.
/// </summary>
[Config(typeof(InProcessMonitoring))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RelayBenchmarks
{
    private const int BulkBytes = 4 * 1024 * 1024;
    private const int RoundTripsPerOperation = 20;
    private const string Alpn = "iroh-social/bench/1";
    private readonly byte[] _chunk = new byte[64 * 1024];
    private readonly List<IDisposable> _keys = [];
    private RelayHost _relay = null!;
    private IrohSocialNode _alice = null!;
    private IrohSocialNode _bob = null!;
    private EndpointAddr _bobAddr = null!;
    private Endpoint _client = null!;
    private Endpoint _server = null!;
    private Connection _connection = null!;
    private Task _echo = Task.CompletedTask;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _acks = new();

    /// <summary>direct (TCP), relay (TLS to the relay, the default) or relay-plain (ws:// to a loopback relay: no relay TLS).</summary>
    [Params("direct", "relay", "relay-plain")]
    public string Path { get; set; } = "direct";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var relayKey = Key();
        _relay = await RelayHost.StartAsync(new RelayHostOptions { Relay = new RelayServerOptions { Identity = relayKey }, PlainTextOnLoopback = Path == "relay-plain" });
        IReadOnlyList<RelayAddress> relays = [_relay.Address];

        _alice = await IrohSocialNode.StartAsync(new IrohSocialNodeOptions { SecretKey = Key(), BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Provider = TransportProvider.TcpTls, RelayUrls = relays, ShareDirectAddresses = false });
        _bob = await IrohSocialNode.StartAsync(new IrohSocialNodeOptions { SecretKey = Key(), BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Provider = TransportProvider.TcpTls, RelayUrls = relays, ShareDirectAddresses = false });
        await Task.WhenAll(_alice.WaitForRelayAsync(), _bob.WaitForRelayAsync());
        _bobAddr = Path != "direct" ? _bob.Addr with { DirectAddresses = [] } : _bob.Addr with { RelayUrl = null };
        _alice.Messages.MessageDelivered += (_, e) => Ack(e.MessageId).TrySetResult();

        _server = await Endpoint.BindAsync(new EndpointOptions { SecretKey = Key(), BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Provider = TransportProvider.TcpTls, Alpns = [Alpn], RelayUrls = relays });
        _client = await Endpoint.BindAsync(new EndpointOptions { SecretKey = Key(), BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Provider = TransportProvider.TcpTls, Alpns = [Alpn], RelayUrls = relays });
        await _server.WaitForRelayAsync();
        var accept = _server.AcceptAsync().AsTask();
        _connection = await _client.ConnectAsync(Path != "direct" ? _server.Addr with { DirectAddresses = [] } : _server.Addr with { RelayUrl = null }, Alpn);
        if (_connection.Path != (Path != "direct" ? ConnectionPath.Relay : ConnectionPath.Tcp))
        {
            throw new InvalidOperationException($"Expected the {Path} path, got {_connection.Path}.");
        }

        var accepted = await accept;
        _echo = EchoAsync(accepted);
        await AckedRoundTripsAsync(); // session, connection and JIT warm
    }

    private SecretKey Key()
    {
        var key = SecretKey.Generate();
        _keys.Add(key);
        return key;
    }

    /// <summary>20 messages, each sent only after the previous one's ack came back.</summary>
    [Benchmark(Description = "20 acked DM round trips")]
    [BenchmarkCategory("DmRoundTrip")]
    public async Task AckedRoundTripsAsync()
    {
        for (var i = 0; i < RoundTripsPerOperation; i++)
        {
            var id = await _alice.Messages.SendMessageAsync(_bobAddr, "benchmark message of a typical length, about sixty characters");
            await Ack(id).Task;
            _acks.TryRemove(id, out _);
        }
    }

    // The ack may come before SendMessageAsync returns: whichever side is first creates the completion.
    private TaskCompletionSource Ack(string id) => _acks.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>4 MiB written on one stream and read back from the peer's echo.</summary>
    [Benchmark(Description = "4 MiB echoed on one stream")]
    [BenchmarkCategory("Throughput")]
    public Task BulkEchoAsync() => EchoClient.RoundTripAsync(_connection, BulkBytes, _chunk);

    private static async Task EchoAsync(Connection connection)
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
            // connection closed at cleanup
        }
    }

    /// <summary>
    /// In process: the out-of-process job's generated project does not build within BenchmarkDotNet's 120 s limit on
    /// this shared 2-core machine; these benchmarks measure sockets and a Kestrel server, which run the same either way.
    /// </summary>
    private sealed class InProcessMonitoring : ManualConfig
    {
        public InProcessMonitoring() =>
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(10)
                .WithToolchain(InProcessEmitToolchain.Instance));
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _connection.DisposeAsync();
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        await _echo;
        await _alice.DisposeAsync();
        await _bob.DisposeAsync();
        await _relay.DisposeAsync();
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }
}
