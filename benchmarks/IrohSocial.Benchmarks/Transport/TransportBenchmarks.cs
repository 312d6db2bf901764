using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal;
using Nerdbank.Streams;

namespace IrohSocial.Benchmarks.Transport;

/// <summary>
/// Loopback transport costs against a baseline measured in the same run: mutual-TLS 1.3 SslStream over TCP, with as
/// many TLS connections as the endpoint uses streams. Two reference rows carry the same streams over one TLS
/// connection without the endpoint: bare MultiplexingStream v3 (what the library costs) and <see cref="MinimalMux"/>
/// (what one TLS connection allows). Results: docs/benchmarks.md.
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 15)]
[MemoryDiagnoser]
[ThreadingDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class TransportBenchmarks
{
    private const int BytesPerOperation = 16 * 1024 * 1024;
    private const int ChunkSize = 64 * 1024;
    private const string Alpn = "iroh-social/bench/1";

    private readonly byte[] _chunk = new byte[ChunkSize];
    private SecretKey _serverKey = null!;
    private SecretKey _clientKey = null!;
    private X509Certificate2 _serverCert = null!;
    private X509Certificate2 _clientCert = null!;
    private TcpListener _rawListener = null!;
    private CancellationTokenSource _stop = null!;
    private Endpoint _server = null!;
    private Endpoint _client = null!;
    private Connection _connection = null!;
    private readonly List<(SslStream Client, SslStream Server)> _rawPairs = [];
    private readonly List<IAsyncDisposable> _references = [];
    private MultiplexingStream _muxClient = null!;
    private MultiplexingStream _muxServer = null!;
    private MinimalMux _minimalClient = null!;
    private int _channelNames;

    /// <summary>Concurrent streams (endpoint) or TLS connections (baseline).</summary>
    [Params(1, 8)]
    public int Streams { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _stop = new CancellationTokenSource();
        _serverKey = SecretKey.Generate();
        _clientKey = SecretKey.Generate();
        _serverCert = IdentityCertificate.Create(_serverKey, DateTimeOffset.UtcNow);
        _clientCert = IdentityCertificate.Create(_clientKey, DateTimeOffset.UtcNow);
        _rawListener = new TcpListener(IPAddress.Loopback, 0);
        _rawListener.Start();

        for (var i = 0; i < Streams; i++)
        {
            var serverTask = AcceptRawAsync();
            var client = await ConnectRawAsync();
            _rawPairs.Add((client, await serverTask));
        }

        await SetupReferencesAsync();
        _server = await Endpoint.BindAsync(Options(_serverKey));
        _client = await Endpoint.BindAsync(Options(_clientKey));
        _ = ServeEndpointAsync();
        _connection = await _client.ConnectAsync(_server.Addr, Alpn);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _stop.Cancel();
        foreach (var (client, server) in _rawPairs)
        {
            await client.DisposeAsync();
            await server.DisposeAsync();
        }

        _rawPairs.Clear();
        await _muxClient.DisposeAsync();
        await _muxServer.DisposeAsync();
        foreach (var reference in _references)
        {
            await reference.DisposeAsync();
        }

        _references.Clear();
        _rawListener.Stop();
        await _connection.DisposeAsync();
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        _serverCert.Dispose();
        _clientCert.Dispose();
        _serverKey.Dispose();
        _clientKey.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Throughput")]
    public Task RawSslStreamThroughput() =>
        Task.WhenAll(_rawPairs.Select(pair => Task.WhenAll(
            WriteAsync(pair.Client, BytesPerOperation / Streams),
            ReadExactlyAsync(pair.Server, BytesPerOperation / Streams))));

    [Benchmark]
    [BenchmarkCategory("Throughput")]
    public Task EndpointThroughput() =>
        Task.WhenAll(Enumerable.Range(0, Streams).Select(async _ =>
        {
            await using var stream = await _connection.OpenBidirectionalStreamAsync();
            await WriteAsync(stream, BytesPerOperation / Streams);
            stream.CompleteWrites();
            await ReadExactlyAsync(stream, 1); // the server's one-byte receipt after it read everything
        }));

    /// <summary>Bare MultiplexingStream v3 over one SslStream, same window as the endpoint: the library's own cost.</summary>
    [Benchmark]
    [BenchmarkCategory("Throughput")]
    public Task MultiplexingStreamThroughput() =>
        Task.WhenAll(Enumerable.Range(0, Streams).Select(async _ =>
        {
            var name = Interlocked.Increment(ref _channelNames).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var offered = _muxClient.OfferChannelAsync(name);
            using var receiver = await _muxServer.AcceptChannelAsync(name);
            using var sender = await offered;
            var reading = ReadExactlyAsync(receiver.AsStream(), BytesPerOperation / Streams);
            await using var senderStream = sender.AsStream();
            await WriteAsync(senderStream, BytesPerOperation / Streams);
            await reading;
        }));

    /// <summary>The same streams over one SslStream with <see cref="MinimalMux"/>: what one TLS connection allows.</summary>
    [Benchmark]
    [BenchmarkCategory("Throughput")]
    public Task MinimalMuxThroughput() =>
        Task.WhenAll(Enumerable.Range(0, Streams).Select(async _ =>
        {
            var stream = _minimalClient.Open();
            await WriteAsync(stream, BytesPerOperation / Streams);
            await stream.CompleteWritesAsync();
            await ReadExactlyAsync(stream, 1);
        }));

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Connect")]
    public async Task RawSslStreamConnect()
    {
        var serverTask = AcceptRawAsync();
        await using var client = await ConnectRawAsync();
        await using var server = await serverTask;
    }

    [Benchmark]
    [BenchmarkCategory("Connect")]
    public async Task EndpointConnect()
    {
        await using var connection = await _client.ConnectAsync(_server.Addr, Alpn);
        await using var stream = await connection.OpenBidirectionalStreamAsync();
        await stream.WriteAsync(_chunk.AsMemory(0, 1), completeWrites: true);
        await ReadExactlyAsync(stream, 1);
    }

    private static EndpointOptions Options(SecretKey key) => new()
    {
        SecretKey = key,
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = TransportProvider.TcpTls, // the baselines are SslStream over TCP; with msquic loaded, Auto would dial QUIC
        Alpns = [Alpn],
        MaxConnectionsPerPeer = 64,
    };

    private async Task SetupReferencesAsync()
    {
        var window = new EndpointOptions { SecretKey = _clientKey }.StreamReceiveWindow;
        var muxOptions = new MultiplexingStream.Options
        {
            ProtocolMajorVersion = 3,
            DefaultChannelReceivingWindowSize = window,
            MaxChannelReceivingWindowSize = window,
        };
        var serverTask = AcceptRawAsync();
        var muxClientSsl = await ConnectRawAsync();
        var muxServerSsl = await serverTask;
        var muxServer = MultiplexingStream.CreateAsync(muxServerSsl, muxOptions);
        _muxClient = await MultiplexingStream.CreateAsync(muxClientSsl, muxOptions);
        _muxServer = await muxServer;
        _references.Add(muxClientSsl);
        _references.Add(muxServerSsl);

        serverTask = AcceptRawAsync();
        var minimalClientSsl = await ConnectRawAsync();
        var minimalServerSsl = await serverTask;
        _references.Add(minimalClientSsl);
        _references.Add(minimalServerSsl);
        _minimalClient = new MinimalMux(minimalClientSsl, window, isClient: true);
        var minimalServer = new MinimalMux(minimalServerSsl, window, isClient: false);
        _ = ServeMinimalMuxAsync(minimalServer);
    }

    private async Task ServeMinimalMuxAsync(MinimalMux server)
    {
        try
        {
            await foreach (var stream in server.Accepted.ReadAllAsync(_stop.Token))
            {
                _ = Task.Run(async () =>
                {
                    var local = new byte[ChunkSize];
                    while (await stream.ReadAsync(local) > 0)
                    {
                    }

                    await stream.WriteAsync(local.AsMemory(0, 1));
                    await stream.CompleteWritesAsync();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // cleanup
        }
    }

    private async Task ServeEndpointAsync()
    {
        var buffer = new byte[ChunkSize];
        while (!_stop.IsCancellationRequested)
        {
            Connection connection;
            try
            {
                connection = await _server.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                await using (connection)
                {
                    try
                    {
                        while (true)
                        {
                            var stream = await connection.AcceptStreamAsync(_stop.Token);
                            _ = Task.Run(async () =>
                            {
                                await using (stream)
                                {
                                    var local = new byte[ChunkSize];
                                    while (await stream.ReadAsync(local) > 0)
                                    {
                                    }

                                    await stream.WriteAsync(local.AsMemory(0, 1), completeWrites: true);
                                }
                            });
                        }
                    }
                    catch (Exception)
                    {
                        // connection closed
                    }
                }
            });
        }
    }

    private async Task<SslStream> ConnectRawAsync()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync((IPEndPoint)_rawListener.LocalEndpoint);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "",
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [new SslApplicationProtocol(Alpn)],
            ClientCertificates = [_clientCert],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return ssl;
    }

    private async Task<SslStream> AcceptRawAsync()
    {
        var socket = await _rawListener.AcceptSocketAsync();
        socket.NoDelay = true;
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = _serverCert,
            ClientCertificateRequired = true,
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [new SslApplicationProtocol(Alpn)],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return ssl;
    }

    private async Task WriteAsync(Stream stream, int bytes)
    {
        for (var sent = 0; sent < bytes; sent += ChunkSize)
        {
            await stream.WriteAsync(_chunk.AsMemory(0, Math.Min(ChunkSize, bytes - sent)));
        }
    }

    private static async Task ReadExactlyAsync(Stream stream, int bytes)
    {
        var buffer = new byte[ChunkSize];
        var total = 0;
        while (total < bytes)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, bytes - total)));
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            total += read;
        }
    }
}
