using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using IrohSocial.Crypto;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.Hardening.Tests.Faults;

public sealed class UdpFaultProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NoFaults_ForwardsBothWays()
    {
        using var echo = StartEcho(out var echoTask);
        await using var proxy = UdpFaultProxy.Start((IPEndPoint)echo.LocalEndPoint!);
        using var client = Client(proxy);
        await client.SendAsync("hello"u8.ToArray(), SocketFlags.None, Ct);
        var buffer = new byte[64];
        var count = await client.ReceiveAsync(buffer, SocketFlags.None, Ct);
        Assert.Equal("hello"u8.ToArray(), buffer[..count]);
        // The proxy counts a datagram after sending it, so the reply can arrive before its count does.
        await WaitUntilAsync(() => proxy.DatagramsForwarded == 2);
    }

    [Fact]
    public async Task BlackHole_DropsEverythingWithoutAnError()
    {
        using var echo = StartEcho(out _);
        await using var proxy = UdpFaultProxy.Start((IPEndPoint)echo.LocalEndPoint!, new UdpFaultPlan { BlackHole = true });
        using var client = Client(proxy);
        for (var i = 0; i < 10; i++)
        {
            await client.SendAsync(new byte[100], SocketFlags.None, Ct);
        }

        await WaitUntilAsync(() => proxy.DatagramsLost == 10);
        Assert.Equal(0, proxy.DatagramsForwarded);
    }

    [Fact]
    public async Task Loss_DropsAboutThatShare()
    {
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var proxy = UdpFaultProxy.Start((IPEndPoint)sink.LocalEndPoint!, new UdpFaultPlan { LossProbability = 0.25 }, seed: 7);
        using var client = Client(proxy);
        for (var i = 1; i <= 400; i++)
        {
            // one at a time: a burst could overflow the proxy's socket buffer on a busy machine, a loss nobody counts
            await client.SendAsync(new byte[10], SocketFlags.None, Ct);
            await WaitUntilAsync(() => proxy.DatagramsLost + proxy.DatagramsForwarded == i, poll: 1);
        }

        Assert.InRange(proxy.DatagramsLost, 60, 140); // 100 expected; seeded, so the same every run
    }

    [Fact]
    public async Task RateLimitWithBoundedQueue_TailDropsABurst()
    {
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        // 10 kB/s and a 5 kB queue: a burst of 50 kB cannot fit; most of it is dropped at the tail, the rest is paced.
        await using var proxy = UdpFaultProxy.Start((IPEndPoint)sink.LocalEndPoint!, new UdpFaultPlan { BytesPerSecond = 10_000, QueueLimitBytes = 5_000 });
        using var client = Client(proxy);
        for (var i = 0; i < 50; i++)
        {
            await client.SendAsync(new byte[1000], SocketFlags.None, Ct);
        }

        await WaitUntilAsync(() => proxy.DatagramsTailDropped + proxy.DatagramsForwarded == 50);
        Assert.True(proxy.DatagramsTailDropped > 0, "nothing was dropped at the tail");
        Assert.InRange(proxy.MaxQueuedBytes, 1000, 5000);
    }

    [Fact]
    public async Task QuicThroughLossDelayAndJitter_DeliversEveryByte()
    {
        TestTransport.RequireQuic();
        using var serverKey = SecretKey.Generate();
        await using var server = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = serverKey, BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Provider = TransportProvider.Quic, Alpns = [Alpns.DirectMessages],
        }, Ct);
        await using var proxy = UdpFaultProxy.Start(server.LocalEndPoint, new UdpFaultPlan
        {
            LossProbability = 0.05, Delay = TimeSpan.FromMilliseconds(10), Jitter = TimeSpan.FromMilliseconds(10), BytesPerSecond = 2_000_000, QueueLimitBytes = 64 * 1024,
        });
        await using var client = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = SecretKey.Generate(), BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Provider = TransportProvider.Quic, Alpns = [Alpns.DirectMessages],
        }, Ct);

        var accept = server.AcceptAsync(Ct).AsTask();
        await using var connection = await client.ConnectAsync(new EndpointAddr(server.Id, [proxy.EndPoint]), Alpns.DirectMessages, Ct);
        await using var accepted = await accept;
        var payload = RandomNumberGenerator.GetBytes(256 * 1024);
        await using var stream = await connection.OpenUnidirectionalStreamAsync(Ct);
        var write = stream.WriteAsync(payload, completeWrites: true, Ct).AsTask();
        await using var inbound = await accepted.AcceptStreamAsync(Ct);
        using var received = new MemoryStream();
        await inbound.CopyToAsync(received, Ct);
        await write;
        Assert.Equal(payload, received.ToArray());
        Assert.Equal(ConnectionPath.Quic, connection.Path);
        Assert.True(proxy.DatagramsLost > 0, "no datagram was lost, so nothing was retransmitted");
    }

    private static Socket Client(UdpFaultProxy proxy)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        client.Connect(proxy.EndPoint);
        return client;
    }

    private static Socket StartEcho(out Task loop)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        loop = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            try
            {
                while (true)
                {
                    var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0));
                    await socket.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint);
                }
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
            }
        });
        return socket;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, int poll = 20)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(poll, Ct);
        }
    }
}
