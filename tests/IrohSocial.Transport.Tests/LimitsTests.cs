using System.Buffers;
using System.Net.Sockets;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal;
using IrohSocial.Transport.Internal.Tcp;
using Microsoft.Extensions.Time.Testing;
using Nerdbank.Streams;

namespace IrohSocial.Transport.Tests;

/// <summary>Hostile and idle peers on the TCP provider: they are closed with an error code and never block others.</summary>
public sealed class LimitsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SilentTcpClient_IsDroppedAfterHandshakeTimeout_WhileOthersConnect()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { TimeProvider = time, HandshakeTimeout = TimeSpan.FromSeconds(5) });
        using var silent = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(server.LocalEndPoint, Ct);

        // Another peer connects fine while the silent one holds its socket open.
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
        Assert.Equal(client.Id, s.RemoteId);

        time.Advance(TimeSpan.FromSeconds(6));
        await using var stream = new NetworkStream(silent);
        Assert.True(await RawPeers.ServerClosesAsync(stream));

        // The established connection is unaffected.
        await using var outbound = await c.OpenBidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("still here"u8.ToArray(), completeWrites: true, Ct);
        await using var inbound = await s.AcceptStreamAsync(Ct);
        Assert.Equal("still here"u8.ToArray(), await TestEndpoints.ReadToEndAsync(inbound));
    }

    [Fact]
    public async Task IdleConnection_IsClosedWithIdleTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { TimeProvider = time, IdleTimeout = TimeSpan.FromSeconds(10), KeepAliveInterval = TimeSpan.Zero });
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { IdleTimeout = TimeSpan.Zero, KeepAliveInterval = TimeSpan.Zero });
        var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);

        time.Advance(TimeSpan.FromSeconds(11));
        var error = await Assert.ThrowsAsync<TransportException>(async () => await c.AcceptStreamAsync(Ct));
        Assert.Equal(TransportError.IdleTimeout, error.Error);
        await s.Closed.WaitAsync(Ct);
    }

    // The timeout bounds a hang only: before the fix, the closes (and the endpoints' disposal) never finished.
    [Fact(Timeout = 60_000)]
    public async Task BothSidesClosingAtOnce_FinishWithoutWaitingForTheCloseTimeout()
    {
        // Both ends of a call close its connection when the call ends. Each sends CLOSE and waits for the other to
        // hang up; with time frozen the close timeout never fires, so only the peer's own CLOSE can end the wait
        // (before the fix, each waited the full timeout: 5 s at every call's end and node shutdown).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { TimeProvider = time });
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { TimeProvider = time });
        var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);

        var closes = Task.WhenAll(c.CloseAsync(7, "call ended", Ct).AsTask(), s.CloseAsync(7, "call ended", Ct).AsTask());
        await closes;
        await c.Closed.WaitAsync(Ct);
        await s.Closed.WaitAsync(Ct);
    }

    [Fact]
    public async Task KeepAlive_KeepsAnIdleConnectionOpen()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { TimeProvider = time, IdleTimeout = TimeSpan.FromSeconds(10), KeepAliveInterval = TimeSpan.Zero });
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { TimeProvider = time, IdleTimeout = TimeSpan.Zero, KeepAliveInterval = TimeSpan.FromSeconds(3) });
        var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
        var clientCore = (MuxConnection)c.Core;

        for (var i = 1; i <= 6; i++)
        {
            time.Advance(TimeSpan.FromSeconds(3));
            while (clientCore.PongsReceived < i)
            {
                await Task.Delay(5, Ct); // wait for the ping round trip on real sockets, not for time
            }
        }

        Assert.Null(((MuxConnection)s.Core).CloseInfo); // 18 s of fake time, idle timeout 10 s, still open
        await using var outbound = await c.OpenBidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("ok"u8.ToArray(), completeWrites: true, Ct);
        await using var inbound = await s.AcceptStreamAsync(Ct);
        Assert.Equal("ok"u8.ToArray(), await TestEndpoints.ReadToEndAsync(inbound));
    }

    [Fact]
    public async Task StalledHandshakesOverBudget_OldestAreDropped_AndAGenuinePeerStillConnects()
    {
        // Fake time: the handshake timeout never fires, so only the pending-handshake budget can make room.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { TimeProvider = time, MaxPendingHandshakes = 4 });
        var silent = new List<Socket>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(server.LocalEndPoint, Ct);
                silent.Add(socket);
            }

            // The first eight are evicted as newer ones arrive; the newest four stay pending.
            foreach (var socket in silent.Take(8))
            {
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                Assert.True(await RawPeers.ServerClosesAsync(stream));
            }

            await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
            var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
            Assert.Equal(client.Id, s.RemoteId);
            Assert.Equal(1, server.Context.Limiter.Total);
            Assert.InRange(server.Context.Handshakes.Count, 0, 4);
            Assert.InRange(server.Context.Handshakes.Evicted, 9, 12); // eight silent ones, then one more for the genuine peer
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ConnectionOverTotalLimit_IsRefusedWithATypedError_AndTheSlotFreesOnClose()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { MaxConnections = 1 });
        await using var first = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var (c, s) = await TestEndpoints.ConnectPairAsync(first, server);

        await using var second = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var error = await Assert.ThrowsAsync<TransportException>(async () => await second.ConnectAsync(server.Addr, TestEndpoints.TestAlpn, Ct));
        Assert.Equal(TransportError.ConnectionLimitExceeded, error.Error);

        await c.CloseAsync(0, "done", Ct);
        await s.Closed.WaitAsync(Ct);
        await using var now = await second.ConnectAsync(server.Addr, TestEndpoints.TestAlpn, Ct);
        Assert.Equal(server.Id, now.RemoteId);
    }

    [Fact]
    public async Task SecondConnectionFromSamePeer_OverPerPeerLimit_IsRefused()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { MaxConnectionsPerPeer = 1 });
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
        var error = await Assert.ThrowsAsync<TransportException>(async () => await client.ConnectAsync(server.Addr, TestEndpoints.TestAlpn, Ct));
        Assert.Equal(TransportError.ConnectionLimitExceeded, error.Error);

        // Another identity is still welcome, and the first connection still works.
        await using var other = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var fine = await other.ConnectAsync(server.Addr, TestEndpoints.TestAlpn, Ct);
        Assert.Equal(server.Id, fine.RemoteId);
        await c.CloseAsync(0, "done", Ct);
        await s.Closed.WaitAsync(Ct);

        // Closing frees the slot for the same peer.
        await using var again = await client.ConnectAsync(server.Addr, TestEndpoints.TestAlpn, Ct);
        Assert.Equal(server.Id, again.RemoteId);
    }

    [Fact]
    public async Task GarbageAfterHandshake_ClosesOnlyThatConnection()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        using var key = SecretKey.Generate();
        using var certificate = IdentityCertificate.Create(key, DateTimeOffset.UtcNow);
        await using var raw = await RawPeers.ConnectTlsAsync(server.LocalEndPoint, certificate, TestEndpoints.TestAlpn);
        var garbage = new byte[4096];
        new Random(1).NextBytes(garbage);
        garbage[0] = 0x94; // a MessagePack array header, so the multiplexer reads a frame and then chokes on its contents
        await raw.WriteAsync(garbage, Ct);
        Assert.True(await RawPeers.ServerClosesAsync(raw));

        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var connection = await client.ConnectAsync(server.Addr, TestEndpoints.TestAlpn, Ct);
        Assert.Equal(server.Id, connection.RemoteId);
    }

    [Fact]
    public async Task MultiplexerFrameDeclaringAGigabyte_IsRefusedBeforeTheServerBuffersIt()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { IdleTimeout = TimeSpan.Zero, KeepAliveInterval = TimeSpan.Zero });
        using var key = SecretKey.Generate();
        using var certificate = IdentityCertificate.Create(key, DateTimeOffset.UtcNow);
        // Writes take turns: the multiplexer below writes acknowledgements on the same SslStream whenever the server writes.
        await using var raw = new SerializedWriteStream(await RawPeers.ConnectTlsAsync(server.LocalEndPoint, certificate, TestEndpoints.TestAlpn));

        // The server hands a connection out once the dialer's first MAX_STREAMS shows it accepted the server's identity;
        // a hand-driven multiplexer sends it, then the test writes raw frames beneath that multiplexer.
        await using var mux = await RawPeers.StartMultiplexerAsync(raw);
        await using var accepted = await server.AcceptAsync(Ct);

        // A MessagePack frame [code, channel, source, payload] whose payload claims 1 GiB: the peer then streams it.
        byte[] header = [0x94, 0x01, 0x01, 0x00, 0xC6, 0x40, 0x00, 0x00, 0x00];
        await raw.WriteAsync(header, Ct);
        var chunk = new byte[64 * 1024];
        long sent = 0;
        var refused = false;
        try
        {
            while (sent < 256L * 1024 * 1024)
            {
                await raw.WriteAsync(chunk, Ct);
                sent += chunk.Length;
            }
        }
        catch (IOException)
        {
            refused = true;
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"sent {sent / 1024} KiB of the frame before the server hung up");
        Assert.True(refused, $"the server accepted {sent / (1024 * 1024)} MiB of one unfinished frame");
        Assert.InRange(sent, 0, 16L * 1024 * 1024); // what the socket buffers hold, not the frame: the server read ~nothing of it

        // The server recorded why: a protocol violation, not a lost connection.
        await accepted.Closed.WaitAsync(Ct);
        Assert.Equal(TransportError.ProtocolViolation, ((MuxConnection)accepted.Core).CloseInfo?.Error);
    }

    [Fact]
    public async Task PeerIgnoringStreamCredit_IsClosedWithStreamLimitExceeded()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { MaxStreamsPerConnection = 4 });
        using var key = SecretKey.Generate();
        using var certificate = IdentityCertificate.Create(key, DateTimeOffset.UtcNow);
        await using var raw = await RawPeers.ConnectTlsAsync(server.LocalEndPoint, certificate, TestEndpoints.TestAlpn);

        // A hand-driven multiplexer that opens far more channels than the 4 it was granted.
        var options = new MultiplexingStream.Options { ProtocolMajorVersion = 3 };
        options.SeededChannels.Add(new MultiplexingStream.ChannelOptions());
        await using var mux = await MultiplexingStream.CreateAsync(raw, options, Ct);
        var control = mux.AcceptChannel(0);
        await RawPeers.SendMaxStreamsAsync(control); // without it the server would not hand the connection out
        await using var accepted = await server.AcceptAsync(Ct);
        for (var i = 0; i < 50; i++)
        {
            var channel = mux.CreateChannel();
            await channel.Output.WriteAsync(new byte[] { 0 }, Ct);
        }

        // The server decides StreamLimitExceeded and hangs up; the peer's transport ends.
        await accepted.Closed.WaitAsync(Ct);
        var info = ((MuxConnection)accepted.Core).CloseInfo;
        Assert.NotNull(info);
        Assert.Equal(TransportError.StreamLimitExceeded, info.Error);
        Assert.False(info.ByPeer);
        await mux.Completion.WaitAsync(Ct);

        // Before hanging up the server explained itself: CLOSE with the reserved StreamLimitExceeded code.
        var closes = new List<ControlMessage>();
        while (true)
        {
            var result = await control.Input.ReadAsync(Ct);
            var buffer = result.Buffer;
            while (ControlMessage.TryParse(ref buffer, out var message))
            {
                if (message.Type == ControlType.Close)
                {
                    closes.Add(message);
                }
            }

            control.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || closes.Count > 0)
            {
                break;
            }
        }

        Assert.Equal((ulong)CloseCodes.For(TransportError.StreamLimitExceeded), Assert.Single(closes).Value);
    }
}
