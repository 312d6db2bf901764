using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal;
using IrohSocial.Transport.Internal.Quic;

namespace IrohSocial.Transport.Tests;

public sealed class EndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bind_Auto_PicksQuicOnlyWhereSupported()
    {
        await using var endpoint = await TestEndpoints.BindAsync(TransportProvider.Auto);
        Assert.Equal(QuicSupport.IsSupported ? TransportProvider.Quic : TransportProvider.TcpTls, endpoint.Provider);
        Assert.NotEqual(0, endpoint.LocalEndPoint.Port);
        Assert.Equal(endpoint.Id, endpoint.Addr.Id);
        Assert.Equal(endpoint.LocalEndPoint, Assert.Single(endpoint.Addr.DirectAddresses));
    }

    [Fact]
    public async Task Bind_ForcedQuicWithoutMsquic_Throws()
    {
        Assert.SkipWhen(QuicSupport.IsSupported, "msquic is available here");
        await Assert.ThrowsAsync<PlatformNotSupportedException>(async () => await TestEndpoints.BindAsync(TransportProvider.Quic));
    }

    [Fact]
    public async Task Bind_InvalidOptions_Throw()
    {
        using var key = SecretKey.Generate();
        var options = TestEndpoints.Options(TransportProvider.TcpTls, key);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Endpoint.BindAsync(options with { HandshakeTimeout = TimeSpan.Zero }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Endpoint.BindAsync(options with { MaxStreamsPerConnection = 0 }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Endpoint.BindAsync(options with { Alpns = [""] }, Ct));
    }

    [Fact]
    public async Task Bind_Wildcard_AdvertisesDialableAddresses()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { BindAddress = new IPEndPoint(IPAddress.Any, 0) });
        Assert.NotEmpty(server.Addr.DirectAddresses);
        Assert.All(server.Addr.DirectAddresses, a => Assert.Equal(server.LocalEndPoint.Port, a.Port));

        // Every IPv4 address of an interface that is up is advertised (non-loopback ones first), not only loopback.
        var local = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
            .ToList();
        Assert.All(local.Take(TicketCodec.MaxAddresses), a => Assert.Contains(new IPEndPoint(a, server.LocalEndPoint.Port), server.Addr.DirectAddresses));
        if (local.Any(a => !IPAddress.IsLoopback(a)))
        {
            Assert.False(IPAddress.IsLoopback(server.Addr.DirectAddresses[0].Address));
        }

        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var viaTicket = EndpointAddr.ParseTicket(server.Addr.ToTicket());
        await using var connection = await client.ConnectAsync(viaTicket, TestEndpoints.TestAlpn, Ct);
        Assert.Equal(server.Id, connection.RemoteId);
    }

    [Fact]
    public async Task Dispose_ClosesConnectionsAndAccept()
    {
        var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var (c, _) = await TestEndpoints.ConnectPairAsync(client, server);
        await server.DisposeAsync();
        var error = await Assert.ThrowsAsync<TransportException>(async () => await c.AcceptStreamAsync(Ct));
        Assert.Equal(TransportError.EndpointClosed, error.Error);
        var acceptError = await Assert.ThrowsAsync<TransportException>(async () => await server.AcceptAsync(Ct));
        Assert.Equal(TransportError.EndpointClosed, acceptError.Error);
    }

    [Fact]
    public async Task Connect_CallerCancellation_StaysOperationCanceled()
    {
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var addr = new EndpointAddr(SecretKey.Generate().PublicKey, [new IPEndPoint(IPAddress.Loopback, 9)]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ConnectAsync(addr, TestEndpoints.TestAlpn, cts.Token));
    }
}
