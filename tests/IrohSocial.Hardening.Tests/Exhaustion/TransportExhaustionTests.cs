using System.Net;
using System.Net.Sockets;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Hardening.Tests.Exhaustion;

/// <summary>
/// Half-open connections, a stream flood and max-size frames in a loop against a real TCP/TLS endpoint: handles
/// and memory stay bounded and a genuine peer keeps being served. Peaks are printed (docs/hardening.md).
/// </summary>
[Collection(ExhaustionCollection.Name)]
public sealed class TransportExhaustionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThousandHalfOpenConnections_HandlesBounded_GenuinePeerServed_AllReapedAfterHandshakeTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await EchoServer.StartAsync(time, maxConnections: 1100);
        await using var probe = ResourceProbe.Start();

        // 1,000 TCP connections that never finish TLS: half say nothing, half send the start of a ClientHello.
        var attackers = new List<Socket>();
        for (var i = 0; i < 1000; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(server.Endpoint.LocalEndPoint, Ct);
            if (i % 2 == 0)
            {
                await socket.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 }, SocketFlags.None, Ct);
            }

            attackers.Add(socket);
        }

        // The server holds at most MaxPendingHandshakes of them; the older ones were dropped for newer arrivals
        // (long before the handshake timeout, which never fires on this fake clock).
        var pendingBudget = new EndpointOptions { SecretKey = null! }.MaxPendingHandshakes;
        foreach (var socket in attackers.Take(attackers.Count - pendingBudget))
        {
            var (_, _) = await ReadEndAsync(socket);
        }

        await using (var genuine = await EchoClient.ConnectAsync(server, time))
        {
            Assert.Equal("still served"u8.ToArray(), await genuine.EchoAsync("still served"u8.ToArray()));
        }

        var peak = probe.Observe();
        TestContext.Current.TestOutputHelper?.WriteLine(probe.Describe("1000 half-open connections"));
        Assert.InRange(peak.Handles, 0, probe.Baseline.Handles + 1000 + pendingBudget + 100); // our 1,000 client sockets, the server's pending ones, a little
        Assert.InRange(probe.Peak.ManagedBytes, 0, probe.Baseline.ManagedBytes + (256L * 1024 * 1024));

        // After the handshake timeout the server drops every half-open connection.
        time.Advance(EndpointOptions.DefaultHandshakeTimeout + TimeSpan.FromSeconds(1));
        foreach (var socket in attackers)
        {
            var (_, _) = await ReadEndAsync(socket);
            socket.Dispose();
        }

        await WaitUntilAsync(() => ResourceProbe.Sample().Handles <= probe.Baseline.Handles + 50);
    }

    /// <summary>
    /// With the default limits, a thousand silent sockets cannot lock a genuine peer out: handshakes in progress have
    /// their own budget (MaxPendingHandshakes), the oldest is dropped for the newest, and only proven peers take one of
    /// the MaxConnections slots. (Before that budget existed, the silent sockets held every slot until the timeout.)
    /// </summary>
    [Fact]
    public async Task DefaultLimits_ThousandHalfOpenConnections_DoNotLockOutAGenuinePeer()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow); // the handshake timeout never fires in this test
        var defaults = new EndpointOptions { SecretKey = null! };
        await using var server = await EchoServer.StartAsync(time, maxConnections: defaults.MaxConnections);
        var attackers = new List<Socket>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(server.Endpoint.LocalEndPoint, Ct);
                attackers.Add(socket);
            }

            await using var genuine = await EchoClient.ConnectAsync(server, time);
            Assert.Equal("served"u8.ToArray(), await genuine.EchoAsync("served"u8.ToArray()));

            // All but the newest MaxPendingHandshakes silent sockets were dropped by the server.
            var dropped = 0;
            foreach (var socket in attackers.Take(1000 - defaults.MaxPendingHandshakes))
            {
                var (bytes, _) = await ReadEndAsync(socket);
                Assert.Equal(0, bytes);
                dropped++;
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"{dropped} of 1000 silent sockets dropped before the handshake timeout; genuine peer served");
        }
        finally
        {
            attackers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task StreamFlood_FlowControlHoldsTheFlooder_MemoryBounded_GenuinePeerServed()
    {
        await using var server = await EchoServer.StartAsync(TimeProvider.System, maxConnections: 100);
        await using var probe = ResourceProbe.Start();
        await using var flooder = await EchoClient.ConnectAsync(server, TimeProvider.System);

        // 3,000 streams at once from one peer; the server allows 100 concurrent, the rest wait for credit.
        var flood = Enumerable.Range(0, 3000).Select(i => flooder.EchoAsync(BitConverter.GetBytes(i))).ToList();
        await using (var genuine = await EchoClient.ConnectAsync(server, TimeProvider.System))
        {
            Assert.Equal("hello"u8.ToArray(), await genuine.EchoAsync("hello"u8.ToArray()));
        }

        var results = await Task.WhenAll(flood);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(BitConverter.GetBytes(i), results[i]);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(probe.Describe("3000-stream flood"));
        Assert.InRange(server.MaxConcurrentStreams, 1, 100);
        Assert.InRange(probe.Peak.ManagedBytes, 0, probe.Baseline.ManagedBytes + (256L * 1024 * 1024));
        Assert.InRange(probe.Peak.Handles, 0, probe.Baseline.Handles + 64);
    }

    [Fact]
    public async Task MaxSizeFramesInALoop_MemoryStaysFlat_OversizedFrameRejected_ConnectionStillServes()
    {
        await using var server = await EchoServer.StartAsync(TimeProvider.System, maxConnections: 100, echoLengthOnly: true);
        await using var client = await EchoClient.ConnectAsync(server, TimeProvider.System);
        var frame = new byte[FrameReader.DefaultMaxFrameSize];
        Random.Shared.NextBytes(frame);
        await using var probe = ResourceProbe.Start();

        // 256 MiB through one stream, a max-size frame at a time.
        await using (var stream = await client.Connection.OpenBidirectionalStreamAsync(Ct))
        {
            using var writer = new FrameWriter(stream);
            var reader = new FrameReader(stream);
            for (var i = 0; i < 256; i++)
            {
                await writer.WriteFrameAsync(frame, Ct);
                var ack = await reader.ReadFrameAsync(Ct);
                Assert.Equal(BitConverter.GetBytes(frame.Length), ack);
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(probe.Describe("256 x 1 MiB frames"));
        Assert.InRange(probe.Peak.ManagedBytes, 0, probe.Baseline.ManagedBytes + (128L * 1024 * 1024));

        // One byte over the limit: announced, refused before the payload is read, stream aborted.
        await using (var stream = await client.Connection.OpenBidirectionalStreamAsync(Ct))
        {
            var header = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header, FrameReader.DefaultMaxFrameSize + 1);
            await stream.WriteAsync(header, Ct);
            await stream.FlushAsync(Ct);
            var error = await Assert.ThrowsAsync<TransportException>(async () => await new FrameReader(stream).ReadFrameAsync(Ct));
            Assert.Equal(TransportError.StreamAborted, error.Error);
        }

        Assert.Equal(BitConverter.GetBytes(5), await client.EchoAsync("after"u8.ToArray()));
        Assert.True(server.RejectedFrames >= 1);
    }

    private static async Task<(int Bytes, bool Reset)> ReadEndAsync(Socket socket)
    {
        var buffer = new byte[4096];
        var total = 0;
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, Ct);
                if (read == 0)
                {
                    return (total, false);
                }

                total += read;
            }
        }
        catch (SocketException)
        {
            return (total, true);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20, Ct);
        }
    }
}
