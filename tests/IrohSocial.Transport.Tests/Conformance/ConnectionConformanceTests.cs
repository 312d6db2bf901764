using System.Security.Cryptography;
using IrohSocial.Transport.Internal.Quic;

namespace IrohSocial.Transport.Tests.Conformance;

/// <summary>
/// One conformance suite, run against each provider with real sockets on loopback. The QUIC run is skipped where
/// msquic is missing; it must pass where it is available.
/// </summary>
public abstract class ConnectionConformanceTests
{
    protected abstract TransportProvider Provider { get; }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ValueTask<Endpoint> BindAsync(Func<EndpointOptions, EndpointOptions>? configure = null) =>
        TestEndpoints.BindAsync(Provider, configure);

    /// <summary>Binds a server (optionally configured) and a client endpoint and connects the client to the server.</summary>
    protected async Task<ConnectedPair> ConnectPairAsync(Func<EndpointOptions, EndpointOptions>? configureServer = null)
    {
        var server = await BindAsync(configureServer);
        Endpoint? client = null;
        try
        {
            client = await BindAsync();
            var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
            return new ConnectedPair(server, client, c, s);
        }
        catch
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Asserts that <paramref name="action"/> throws a <see cref="TransportException"/> with this error (and application code, when given).</summary>
    private static async Task AssertTransportErrorAsync(Func<Task> action, TransportError expected, long? applicationErrorCode = null)
    {
        var error = await Assert.ThrowsAsync<TransportException>(action);
        TestContext.Current.TestOutputHelper?.WriteLine(error.ToString());
        Assert.Equal(expected, error.Error);
        if (applicationErrorCode is not null)
        {
            Assert.Equal(applicationErrorCode, error.ApplicationErrorCode);
        }
    }

    [Fact]
    public async Task Connect_ProvesRemoteIdAndAlpn()
    {
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;
        Assert.Equal(pair.ServerEndpoint.Id, c.RemoteId);
        Assert.Equal(pair.ClientEndpoint.Id, s.RemoteId);
        Assert.Equal(TestEndpoints.TestAlpn, c.Alpn);
        Assert.Equal(TestEndpoints.TestAlpn, s.Alpn);
        Assert.Equal(Provider, pair.ClientEndpoint.Provider);
        Assert.Equal(Provider, c.Provider);
        Assert.Equal(Provider, s.Provider);
        var path = Provider == TransportProvider.Quic ? ConnectionPath.Quic : ConnectionPath.Tcp;
        Assert.Equal(path, c.Path);
        Assert.Equal(path, s.Path);
        Assert.Equal([path], pair.ClientEndpoint.Paths);
    }

    [Fact]
    public async Task BidirectionalStream_ExchangesDataBothWays()
    {
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;

        await using var outbound = await c.OpenBidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("ping"u8.ToArray(), completeWrites: true, Ct);
        await using var inbound = await s.AcceptStreamAsync(Ct);
        Assert.True(inbound.IsBidirectional);
        Assert.Equal(outbound.Id, inbound.Id);
        Assert.Equal("ping"u8.ToArray(), await TestEndpoints.ReadToEndAsync(inbound));
        await inbound.WriteAsync("pong"u8.ToArray(), completeWrites: true, Ct);
        Assert.Equal("pong"u8.ToArray(), await TestEndpoints.ReadToEndAsync(outbound));
    }

    [Fact]
    public async Task UnidirectionalStream_CarriesDataOneWay()
    {
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;

        await using var outbound = await c.OpenUnidirectionalStreamAsync(Ct);
        Assert.False(outbound.IsBidirectional);
        Assert.False(outbound.CanRead);
        Assert.True(outbound.CanWrite);
        await outbound.WriteAsync(new byte[100_000], completeWrites: true, Ct);
        await using var inbound = await s.AcceptStreamAsync(Ct);
        Assert.False(inbound.IsBidirectional);
        Assert.True(inbound.CanRead);
        Assert.False(inbound.CanWrite);
        Assert.Equal(100_000, (await TestEndpoints.ReadToEndAsync(inbound)).Length);
    }

    [Fact]
    public async Task ServerCanOpenStreamsToo()
    {
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;

        await using var outbound = await s.OpenUnidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("hello"u8.ToArray(), completeWrites: true, Ct);
        await using var inbound = await c.AcceptStreamAsync(Ct);
        Assert.Equal(outbound.Id, inbound.Id);
        Assert.Equal("hello"u8.ToArray(), await TestEndpoints.ReadToEndAsync(inbound));
    }

    [Fact]
    public async Task HundredConcurrentStreams_OfOneMebibyteEach_ArriveIntact()
    {
        const int streams = 100;
        const int size = 1024 * 1024;
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;

        var receiver = Task.Run(async () =>
        {
            var reads = new List<Task<(byte[] Hash, long Id)>>();
            for (var i = 0; i < streams; i++)
            {
                var inbound = await s.AcceptStreamAsync(Ct);
                reads.Add(Task.Run(async () =>
                {
                    await using (inbound)
                    {
                        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                        var buffer = new byte[32 * 1024];
                        int read;
                        while ((read = await inbound.ReadAsync(buffer, Ct)) > 0)
                        {
                            sha.AppendData(buffer, 0, read);
                        }

                        return (sha.GetHashAndReset(), inbound.Id);
                    }
                }));
            }

            return await Task.WhenAll(reads);
        });

        var sent = await Task.WhenAll(Enumerable.Range(0, streams).Select(i => Task.Run(async () =>
        {
            var data = new byte[size];
            new Random(i).NextBytes(data);
            await using var outbound = await c.OpenBidirectionalStreamAsync(Ct);
            for (var offset = 0; offset < size; offset += 100_000)
            {
                await outbound.WriteAsync(data.AsMemory(offset, Math.Min(100_000, size - offset)), Ct);
            }

            outbound.CompleteWrites();
            return (Hash: SHA256.HashData(data), outbound.Id);
        })));

        var received = await receiver;
        Assert.Equal(streams, received.Length);
        var expected = sent.ToDictionary(x => x.Id, x => Convert.ToHexString(x.Hash));
        foreach (var (hash, id) in received)
        {
            Assert.Equal(expected[id], Convert.ToHexString(hash));
        }
    }

    [Fact]
    public async Task HalfClose_PeerReadsEndWhileStillWriting()
    {
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;

        await using var outbound = await c.OpenBidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("request"u8.ToArray(), Ct);
        outbound.CompleteWrites();
        await using var inbound = await s.AcceptStreamAsync(Ct);
        Assert.Equal("request"u8.ToArray(), await TestEndpoints.ReadToEndAsync(inbound));
        Assert.Equal(0, await inbound.ReadAsync(new byte[1], Ct)); // stays at end

        // The other direction is still open after the half-close.
        await inbound.WriteAsync("part1 "u8.ToArray(), Ct);
        await inbound.WriteAsync("part2"u8.ToArray(), completeWrites: true, Ct);
        Assert.Equal("part1 part2"u8.ToArray(), await TestEndpoints.ReadToEndAsync(outbound));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await outbound.WriteAsync(new byte[1], Ct));
    }

    [Fact]
    public async Task Abort_PeerReadFailsWithCode()
    {
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;

        await using var outbound = await c.OpenBidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("partial"u8.ToArray(), Ct);
        await using var inbound = await s.AcceptStreamAsync(Ct);
        var buffer = new byte[7];
        Assert.Equal(7, await ReadExactlyAsync(inbound, buffer));
        outbound.Abort(42);

        await AssertTransportErrorAsync(async () =>
        {
            while (await inbound.ReadAsync(new byte[16], Ct) > 0)
            {
            }
        }, TransportError.StreamAborted, 42);

        await AssertTransportErrorAsync(async () => await outbound.WriteAsync(new byte[1], Ct), TransportError.StreamAborted);
    }

    [Fact]
    public async Task Abort_PeerWriteFailsWithCode()
    {
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;

        await using var outbound = await c.OpenBidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("x"u8.ToArray(), Ct);
        await using var inbound = await s.AcceptStreamAsync(Ct);
        inbound.Abort(7);

        await AssertTransportErrorAsync(async () =>
        {
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < 10_000; i++)
            {
                await outbound.WriteAsync(chunk, Ct);
            }
        }, TransportError.StreamAborted, 7);
    }

    [Fact]
    public async Task Close_PeerSeesCodeOnAcceptAndClosedCompletes()
    {
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;

        await c.CloseAsync(1234, "bye", Ct);
        await AssertTransportErrorAsync(async () => await s.AcceptStreamAsync(Ct), TransportError.ConnectionClosed, 1234);
        await s.Closed.WaitAsync(Ct);
        await c.Closed.WaitAsync(Ct);
        await AssertTransportErrorAsync(async () => await c.OpenBidirectionalStreamAsync(Ct), TransportError.ConnectionClosed);
    }

    [Fact]
    public async Task Close_PendingReadFailsWithConnectionClosed()
    {
        await using var pair = await ConnectPairAsync();
        var (c, s) = pair;

        await using var outbound = await c.OpenBidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("x"u8.ToArray(), Ct);
        await using var inbound = await s.AcceptStreamAsync(Ct);
        Assert.Equal(1, await inbound.ReadAsync(new byte[1], Ct));
        var pending = inbound.ReadAsync(new byte[1], Ct).AsTask();
        await c.CloseAsync(99, "done", Ct);
        await AssertTransportErrorAsync(() => pending, TransportError.ConnectionClosed, 99);
    }

    [Fact]
    public async Task Connect_WrongExpectedId_FailsWithMismatch()
    {
        await using var server = await BindAsync();
        await using var client = await BindAsync();
        var wrong = server.Addr with { Id = Crypto.SecretKey.Generate().PublicKey };
        await AssertTransportErrorAsync(async () => await client.ConnectAsync(wrong, TestEndpoints.TestAlpn, Ct), TransportError.EndpointIdMismatch);
    }

    [Fact]
    public async Task Connect_UnknownAlpn_FailsWithAlpnNotSupported()
    {
        await using var server = await BindAsync();
        await using var client = await BindAsync();
        await AssertTransportErrorAsync(async () => await client.ConnectAsync(server.Addr, "not/served/1", Ct), TransportError.AlpnNotSupported);
    }

    [Fact]
    public async Task Connect_NothingListening_FailsWithConnectionRefused()
    {
        var port = 0;
        await using (var gone = await BindAsync())
        {
            port = gone.LocalEndPoint.Port;
        }

        await using var client = await BindAsync();
        var addr = new EndpointAddr(Crypto.SecretKey.Generate().PublicKey, [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port)]);
        await AssertTransportErrorAsync(async () => await client.ConnectAsync(addr, TestEndpoints.TestAlpn, Ct), TransportError.ConnectionRefused);
    }

    [Fact]
    public async Task Streams_BeyondPeerLimit_WaitForCredit()
    {
        await using var pair = await ConnectPairAsync(o => o with { MaxStreamsPerConnection = 2 });
        var (c, s) = pair;

        var first = await c.OpenBidirectionalStreamAsync(Ct);
        var second = await c.OpenBidirectionalStreamAsync(Ct);
        await first.WriteAsync("1"u8.ToArray(), completeWrites: true, Ct);
        await second.WriteAsync("2"u8.ToArray(), completeWrites: true, Ct);
        var third = c.OpenBidirectionalStreamAsync(Ct).AsTask();
        Assert.False(third.IsCompleted);

        // Finishing one stream on both sides returns its credit.
        var inbound = await s.AcceptStreamAsync(Ct);
        Assert.Single(await TestEndpoints.ReadToEndAsync(inbound));
        inbound.CompleteWrites();
        Assert.Empty(await TestEndpoints.ReadToEndAsync(first));
        await inbound.DisposeAsync();
        await first.DisposeAsync();
        await using var opened = await third.WaitAsync(Ct);
        Assert.True(opened.CanWrite);
        await second.DisposeAsync();
    }

    private static async Task<int> ReadExactlyAsync(Stream stream, byte[] buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), Ct);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}

public sealed class TcpTlsConformanceTests : ConnectionConformanceTests
{
    protected override TransportProvider Provider => TransportProvider.TcpTls;
}

public sealed class QuicConformanceTests : ConnectionConformanceTests
{
    public QuicConformanceTests()
    {
        IrohSocial.Testing.TestTransport.RequireQuic();
    }

    protected override TransportProvider Provider => TransportProvider.Quic;
}
