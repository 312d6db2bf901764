using System.Net;
using System.Net.Sockets;
using IrohSocial.Transport.Internal;
using IrohSocial.Testing;

namespace IrohSocial.Transport.Tests;

/// <summary>
/// An endpoint with several paths (QUIC + TCP in Auto mode where msquic exists): it listens on both, on one port
/// number, and a dial races them, QUIC first. Peers with and without QUIC must always reach each other.
/// </summary>
public sealed class PathRaceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void SkipWithoutQuic() => TestTransport.RequireQuic();

    [Fact]
    public async Task Bind_AutoWithQuic_ListensOnQuicAndTcpOnOnePort()
    {
        SkipWithoutQuic();
        await using var endpoint = await TestEndpoints.BindAsync(TransportProvider.Auto);
        Assert.Equal([ConnectionPath.Quic, ConnectionPath.Tcp], endpoint.Paths);
        Assert.Equal(TransportProvider.Quic, endpoint.Provider);

        // The one advertised socket address answers on TCP as well as UDP: a plain TCP connect succeeds.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await probe.ConnectAsync(Assert.Single(endpoint.Addr.DirectAddresses), Ct);
    }

    [Fact]
    public async Task Connect_AutoToAuto_UsesQuic()
    {
        SkipWithoutQuic();
        await using var server = await TestEndpoints.BindAsync(TransportProvider.Auto);
        // TCP waits until QUIC fails (not the default 250 ms a loaded machine's QUIC handshake can exceed): this
        // checks that QUIC is chosen when both answer, not how fast this machine is.
        await using var client = await TestEndpoints.BindAsync(TransportProvider.Auto, o => o with
        {
            PathHeadStarts = new Dictionary<ConnectionPath, TimeSpan> { [ConnectionPath.Quic] = TimeSpan.Zero, [ConnectionPath.Tcp] = TimeSpan.FromMinutes(5) },
        });
        var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
        Assert.Equal(ConnectionPath.Quic, c.Path);
        Assert.Equal(ConnectionPath.Quic, s.Path);
        await AssertEchoAsync(c, s);
    }

    [Fact]
    public async Task Connect_AutoToTcpOnly_FallsBackToTcp()
    {
        SkipWithoutQuic();
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var client = await TestEndpoints.BindAsync(TransportProvider.Auto);
        var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
        Assert.Equal(ConnectionPath.Tcp, c.Path);
        Assert.Equal(client.Id, s.RemoteId);
        await AssertEchoAsync(c, s);
    }

    [Fact]
    public async Task Connect_TcpOnlyToAuto_ReachesItsTcpListener()
    {
        SkipWithoutQuic();
        await using var server = await TestEndpoints.BindAsync(TransportProvider.Auto);
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
        Assert.Equal(ConnectionPath.Tcp, c.Path);
        Assert.Equal(ConnectionPath.Tcp, s.Path);
        await AssertEchoAsync(c, s);
    }

    [Fact]
    public async Task Connect_UdpSilentlyDropped_FallsBackToTcpAfterHeadStart()
    {
        SkipWithoutQuic();
        // The peer listens on TCP only, and something holds its UDP port without ever answering: QUIC's Initial
        // packets vanish as they would at a firewall that drops UDP (no ICMP error, nothing to fail fast on).
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port));
        await using var client = await TestEndpoints.BindAsync(TransportProvider.Auto);

        var (c, _) = await TestEndpoints.ConnectPairAsync(client, server);
        Assert.Equal(ConnectionPath.Tcp, c.Path);
        Assert.True(blackHole.Available > 0, "the QUIC dial was never attempted (no datagram reached the UDP port)");
    }

    [Fact]
    public async Task Connect_NothingListeningOnAnyPath_FailsWithConnectionRefused()
    {
        SkipWithoutQuic();
        await using var client = await TestEndpoints.BindAsync(TransportProvider.Auto);
        int port;
        await using (var gone = await TestEndpoints.BindAsync(TransportProvider.Auto))
        {
            port = gone.LocalEndPoint.Port;
        }

        var addr = new EndpointAddr(client.Id, [new IPEndPoint(IPAddress.Loopback, port)]);
        var error = await Assert.ThrowsAsync<TransportException>(async () => await client.ConnectAsync(addr, TestEndpoints.TestAlpn, Ct));
        Assert.Equal(TransportError.ConnectionRefused, error.Error);
    }

    [Fact]
    public async Task Connect_TcpHeadStartLongerThanTheTest_StillConnectsOnceQuicFails()
    {
        SkipWithoutQuic();
        // A head start of an hour: TCP may only start because QUIC already failed (refused: nothing on UDP).
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var client = await TestEndpoints.BindAsync(TransportProvider.Auto, o => o with
        {
            PathHeadStarts = new Dictionary<ConnectionPath, TimeSpan> { [ConnectionPath.Tcp] = TimeSpan.FromHours(1) },
        });
        var (c, _) = await TestEndpoints.ConnectPairAsync(client, server);
        Assert.Equal(ConnectionPath.Tcp, c.Path);
    }

    [Fact]
    public async Task Connect_BothPathsAtOnce_OneWinsAndTheLoserIsClosed()
    {
        SkipWithoutQuic();
        // No head start for TCP: both paths dial at once. The server may finish both handshakes (it cannot know which
        // one the dialer keeps), but the dialer keeps exactly one and closes the other.
        await using var server = await TestEndpoints.BindAsync(TransportProvider.Auto);
        await using var client = await TestEndpoints.BindAsync(TransportProvider.Auto, o => o with
        {
            PathHeadStarts = new Dictionary<ConnectionPath, TimeSpan>(),
        });
        var connection = await client.ConnectAsync(server.Addr, TestEndpoints.TestAlpn, Ct);
        Connection? kept = null;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            while (true)
            {
                var accepted = await server.AcceptAsync(wait.Token);
                if (accepted.Path == connection.Path)
                {
                    Assert.Null(kept);
                    kept = accepted;
                }
                else
                {
                    await accepted.Closed.WaitAsync(TimeSpan.FromSeconds(30), Ct); // the loser
                }
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
        }

        Assert.NotNull(kept);
        await AssertEchoAsync(connection, kept);
        Assert.False(connection.Closed.IsCompleted);
    }

    private static async Task AssertEchoAsync(Connection client, Connection server)
    {
        await using var outbound = await client.OpenBidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("ping"u8.ToArray(), completeWrites: true, Ct);
        await using var inbound = await server.AcceptStreamAsync(Ct);
        Assert.Equal("ping"u8.ToArray(), await TestEndpoints.ReadToEndAsync(inbound));
        await inbound.WriteAsync("pong"u8.ToArray(), completeWrites: true, Ct);
        Assert.Equal("pong"u8.ToArray(), await TestEndpoints.ReadToEndAsync(outbound));
    }
}
