using System.Net;
using System.Net.Quic;
using System.Net.Security;
using System.Runtime.Versioning;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal;

namespace IrohSocial.Benchmarks.Transport;

/// <summary>
/// The QUIC path against raw System.Net.Quic in the same run (issue 16): one <see cref="QuicConnection"/> with the same
/// identity certificates, mutual TLS 1.3 and ALPN, against an <see cref="Endpoint"/> bound with
/// <see cref="TransportProvider.Quic"/>; and the endpoint over TCP/TLS beside it, so the providers can be compared.
/// Throughput: 16 MiB per operation split over <see cref="Streams"/> bidirectional streams opened inside the operation,
/// each ending with a one-byte receipt from the server. Connect: dial + handshake + one stream with a one-byte round
/// trip + close. Needs msquic: run with <c>LD_LIBRARY_PATH=../shared/native/linux-x64</c> (or where Windows ships it).
/// Run: <c>dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --filter '*QuicTransportBenchmarks*'</c>.
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
public class QuicTransportBenchmarks
{
    private const int BytesPerOperation = 16 * 1024 * 1024;
    private const int ChunkSize = 64 * 1024;
    private const string Alpn = "iroh-social/bench/1";

    private readonly byte[] _chunk = new byte[ChunkSize];
    private readonly CancellationTokenSource _stop = new();
    private SecretKey _serverKey = null!;
    private SecretKey _clientKey = null!;
    private X509Certificate2 _serverCert = null!;
    private X509Certificate2 _clientCert = null!;
    private QuicListener _rawListener = null!;
    private QuicConnection _rawConnection = null!;
    private Endpoint _quicServer = null!;
    private Endpoint _quicClient = null!;
    private Connection _quicConnection = null!;
    private Endpoint _tcpServer = null!;
    private Endpoint _tcpClient = null!;
    private Connection _tcpConnection = null!;

    /// <summary>Concurrent streams per operation.</summary>
    [Params(1, 8)]
    public int Streams { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (!QuicConnection.IsSupported)
        {
            throw new PlatformNotSupportedException("QUIC is not supported here: set LD_LIBRARY_PATH to a folder with libmsquic.so.2.");
        }

        _serverKey = SecretKey.Generate();
        _clientKey = SecretKey.Generate();
        _serverCert = IdentityCertificate.Create(_serverKey, DateTimeOffset.UtcNow);
        _clientCert = IdentityCertificate.Create(_clientKey, DateTimeOffset.UtcNow);
        _rawListener = await QuicListener.ListenAsync(new QuicListenerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ApplicationProtocols = [new SslApplicationProtocol(Alpn)],
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(new QuicServerConnectionOptions
            {
                DefaultStreamErrorCode = 1,
                DefaultCloseErrorCode = 1,
                MaxInboundBidirectionalStreams = 100,
                ServerAuthenticationOptions = new SslServerAuthenticationOptions
                {
                    ServerCertificate = _serverCert,
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ApplicationProtocols = [new SslApplicationProtocol(Alpn)],
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                },
            }),
        });
        _ = ServeRawAsync();
        _rawConnection = await ConnectRawAsync();

        (_quicServer, _quicClient, _quicConnection) = await StartEndpointsAsync(TransportProvider.Quic);
        (_tcpServer, _tcpClient, _tcpConnection) = await StartEndpointsAsync(TransportProvider.TcpTls);
    }

    private async Task<(Endpoint, Endpoint, Connection)> StartEndpointsAsync(TransportProvider provider)
    {
        var server = await Endpoint.BindAsync(Options(_serverKey, provider));
        var client = await Endpoint.BindAsync(Options(_clientKey, provider));
        _ = ServeEndpointAsync(server);
        var connection = await client.ConnectAsync(server.Addr, Alpn);
        return (server, client, connection);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _stop.Cancel();
        await _rawConnection.DisposeAsync();
        await _rawListener.DisposeAsync();
        foreach (var disposable in new IAsyncDisposable[] { _quicConnection, _quicClient, _quicServer, _tcpConnection, _tcpClient, _tcpServer })
        {
            await disposable.DisposeAsync();
        }

        _serverCert.Dispose();
        _clientCert.Dispose();
        _serverKey.Dispose();
        _clientKey.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Throughput")]
    public Task RawQuicThroughput() =>
        Task.WhenAll(Enumerable.Range(0, Streams).Select(async _ =>
        {
            await using var stream = await _rawConnection.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await WriteAsync(stream, BytesPerOperation / Streams);
            stream.CompleteWrites();
            await ReadExactlyAsync(stream, 1);
        }));

    [Benchmark]
    [BenchmarkCategory("Throughput")]
    public Task EndpointQuicThroughput() => EndpointThroughputAsync(_quicConnection);

    [Benchmark]
    [BenchmarkCategory("Throughput")]
    public Task EndpointTcpThroughput() => EndpointThroughputAsync(_tcpConnection);

    private Task EndpointThroughputAsync(Connection connection) =>
        Task.WhenAll(Enumerable.Range(0, Streams).Select(async _ =>
        {
            await using var stream = await connection.OpenBidirectionalStreamAsync();
            await WriteAsync(stream, BytesPerOperation / Streams);
            stream.CompleteWrites();
            await ReadExactlyAsync(stream, 1);
        }));

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Connect")]
    public async Task RawQuicConnect()
    {
        await using var connection = await ConnectRawAsync();
        await using var stream = await connection.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
        await stream.WriteAsync(_chunk.AsMemory(0, 1), completeWrites: true);
        await ReadExactlyAsync(stream, 1);
        await connection.CloseAsync(0);
    }

    [Benchmark]
    [BenchmarkCategory("Connect")]
    public Task EndpointQuicConnect() => EndpointConnectAsync(_quicClient, _quicServer);

    [Benchmark]
    [BenchmarkCategory("Connect")]
    public Task EndpointTcpConnect() => EndpointConnectAsync(_tcpClient, _tcpServer);

    private async Task EndpointConnectAsync(Endpoint client, Endpoint server)
    {
        await using var connection = await client.ConnectAsync(server.Addr, Alpn);
        await using var stream = await connection.OpenBidirectionalStreamAsync();
        await stream.WriteAsync(_chunk.AsMemory(0, 1), completeWrites: true);
        await ReadExactlyAsync(stream, 1);
    }

    private static EndpointOptions Options(SecretKey key, TransportProvider provider) => new()
    {
        SecretKey = key,
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = provider,
        Alpns = [Alpn],
        MaxConnectionsPerPeer = 64,
    };

    private ValueTask<QuicConnection> ConnectRawAsync() => QuicConnection.ConnectAsync(new QuicClientConnectionOptions
    {
        RemoteEndPoint = _rawListener.LocalEndPoint,
        DefaultStreamErrorCode = 1,
        DefaultCloseErrorCode = 1,
        MaxInboundBidirectionalStreams = 100,
        ClientAuthenticationOptions = new SslClientAuthenticationOptions
        {
            TargetHost = "",
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [new SslApplicationProtocol(Alpn)],
            ClientCertificates = [_clientCert],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        },
    });

    private async Task ServeRawAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            QuicConnection connection;
            try
            {
                connection = await _rawListener.AcceptConnectionAsync(_stop.Token);
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
                            var stream = await connection.AcceptInboundStreamAsync(_stop.Token);
                            _ = Task.Run(() => DrainAndReceiptAsync(stream, s => s.WriteAsync(new byte[1], completeWrites: true)));
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

    private async Task ServeEndpointAsync(Endpoint server)
    {
        while (!_stop.IsCancellationRequested)
        {
            Connection connection;
            try
            {
                connection = await server.AcceptAsync(_stop.Token);
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
                            _ = Task.Run(() => DrainAndReceiptAsync(stream, s => s.WriteAsync(new byte[1], completeWrites: true)));
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

    private static async Task DrainAndReceiptAsync<TStream>(TStream stream, Func<TStream, ValueTask> receipt)
        where TStream : Stream
    {
        await using (stream)
        {
            try
            {
                var local = new byte[ChunkSize];
                while (await stream.ReadAsync(local) > 0)
                {
                }

                await receipt(stream);
            }
            catch (Exception)
            {
                // aborted at cleanup
            }
        }
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
        var buffer = new byte[Math.Max(1, Math.Min(ChunkSize, bytes))];
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
