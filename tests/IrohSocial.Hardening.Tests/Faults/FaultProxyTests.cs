using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Hardening.Tests.Faults;

public sealed class FaultProxyTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    private static CancellationToken Timeout => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 70_000)]
    [InlineData(3, 1_000_000)]
    public async Task NoFaults_PayloadArrivesIntactBothWays(int seed, int size)
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { ChunkSize = 1000 + seed });
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);
        var payload = new byte[size];
        new Random(seed).NextBytes(payload);

        var send = client.SendAsync(payload, SocketFlags.None, Timeout).AsTask();
        Assert.Equal(payload, await upstream.ReadUpToAsync(size, Timeout));
        await send;
        await upstream.SendAsync(payload, SocketFlags.None, Timeout);
        Assert.Equal(payload, await client.ReadUpToAsync(size, Timeout));

        client.Shutdown(SocketShutdown.Send);
        var (rest, reset) = await upstream.ReadToEndAsync(Timeout);
        Assert.Empty(rest);
        Assert.False(reset);
    }

    [Fact]
    public async Task Delay_HoldsBytesUntilTheClockPassesIt()
    {
        var time = new FakeTimeProvider();
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { Delay = TimeSpan.FromSeconds(2) }, time);
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);

        await client.SendAsync("ping"u8.ToArray(), SocketFlags.None, Timeout);
        Assert.True(await upstream.StaysSilentAsync(Quiet));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await upstream.StaysSilentAsync(Quiet));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("ping"u8.ToArray(), await upstream.ReadUpToAsync(4, Timeout));
    }

    [Fact]
    public async Task BandwidthCap_NeverForwardsMoreThanTheRateAllows()
    {
        var time = new FakeTimeProvider();
        const int rate = 1000;
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { BytesPerSecond = rate }, time);
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);
        var payload = new byte[5 * rate];
        new Random(5).NextBytes(payload);
        await client.SendAsync(payload, SocketFlags.None, Timeout);
        var reading = upstream.ReadUpToAsync(payload.Length, Timeout);

        // The pacer sends a slice, then waits slice/rate on the (fake) clock: after t seconds at most rate*t
        // bytes plus one slice can have left, however fast or slow this machine runs.
        var advancedMs = 0L;
        while (!reading.IsCompleted)
        {
            Assert.True(proxy.BytesForwarded <= (rate * advancedMs / 1000) + (rate / 20), $"{proxy.BytesForwarded} bytes after {advancedMs} ms");
            time.Advance(TimeSpan.FromMilliseconds(10));
            advancedMs += 10;
            await Task.Delay(2, Timeout);
        }

        Assert.Equal(payload, await reading);
        Assert.True(advancedMs >= 4950, $"{payload.Length} bytes at {rate} B/s took only {advancedMs} ms of clock");
    }

    [Fact]
    public async Task QueueLimit_StopsReadingWhenFull_SoTheSenderIsHeldBack_AndDeliversEverythingInOrder()
    {
        var time = new FakeTimeProvider();
        const int rate = 64 * 1024;
        const int limit = 16 * 1024;
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { BytesPerSecond = rate, QueueLimitBytes = limit }, time);
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        client.SendBufferSize = 8 * 1024; // the sender's own kernel queue stays small, so only the proxy can absorb the payload
        using var upstream = await server.AcceptAsync(Timeout);
        var payload = new byte[512 * 1024];
        new Random(9).NextBytes(payload);

        // The clock stands still, so the pacer forwards at most one slice: the queue fills to the limit and stays there.
        var send = client.SendAsync(payload, SocketFlags.None, Timeout).AsTask();
        await WaitUntilAsync(() => proxy.MaxQueuedBytes >= limit);
        await Task.Delay(Quiet, Timeout); // give a leaky proxy the chance to read on (a slow machine cannot fail this)
        Assert.True(proxy.BytesForwarded <= rate / 20, $"{proxy.BytesForwarded} bytes left with the clock standing still");
        Assert.False(send.IsCompleted, "an unbounded proxy would have swallowed the whole payload");
        Assert.Equal(limit, proxy.MaxQueuedBytes);

        var reading = upstream.ReadUpToAsync(payload.Length, Timeout);
        while (!reading.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1, Timeout);
            Assert.True(proxy.MaxQueuedBytes <= limit, $"queue reached {proxy.MaxQueuedBytes} bytes");
        }

        await send;
        Assert.Equal(payload, await reading);
    }

    [Fact]
    public async Task BandwidthCapWithoutQueueLimit_QueuesWhateverTheSenderWrites()
    {
        // The contrast to the bounded bottleneck above: the same cap with an unbounded queue takes the whole payload in.
        var time = new FakeTimeProvider();
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { BytesPerSecond = 64 * 1024 }, time);
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        client.SendBufferSize = 8 * 1024;
        using var upstream = await server.AcceptAsync(Timeout);
        var payload = new byte[512 * 1024];

        await client.SendAsync(payload, SocketFlags.None, Timeout);
        await WaitUntilAsync(() => proxy.MaxQueuedBytes >= 400 * 1024);
    }

    [Fact]
    public async Task Jitter_DelaysChunksButKeepsTheirOrder()
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { Jitter = TimeSpan.FromMilliseconds(3), ChunkSize = 512 }, seed: 7);
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);
        var payload = new byte[40_000];
        new Random(7).NextBytes(payload);
        for (var offset = 0; offset < payload.Length; offset += 4000)
        {
            await client.SendAsync(payload.AsMemory(offset, 4000), SocketFlags.None, Timeout);
        }

        Assert.Equal(payload, await upstream.ReadUpToAsync(payload.Length, Timeout));
    }

    [Fact]
    public async Task CutAfterBytes_DeliversThePrefixThenResetsBothSides()
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { CutAfterBytes = 1234, ChunkSize = 100 });
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);
        var payload = new byte[5000];
        new Random(3).NextBytes(payload);

        try
        {
            await client.SendAsync(payload, SocketFlags.None, Timeout);
        }
        catch (SocketException)
        {
            // The reset may already have arrived while sending.
        }

        var (data, upstreamReset) = await upstream.ReadToEndAsync(Timeout);
        Assert.Equal(payload[..1234], data);
        Assert.True(upstreamReset);
        var (_, clientReset) = await client.ReadToEndAsync(Timeout);
        Assert.True(clientReset);
    }

    [Fact]
    public async Task Refuse_ConnectsFailUntilLifted()
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { Refuse = true });

        var refused = await Assert.ThrowsAsync<SocketException>(() => SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        proxy.Plan = FaultPlan.None;
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);
        await client.SendAsync("ok"u8.ToArray(), SocketFlags.None, Timeout);
        Assert.Equal("ok"u8.ToArray(), await upstream.ReadUpToAsync(2, Timeout));

        proxy.Plan = new FaultPlan { Refuse = true };
        await Assert.ThrowsAsync<SocketException>(() => SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout));
        Assert.Equal(1, proxy.AcceptedConnections);
    }

    [Fact]
    public async Task BlackHole_KeepsTheConnectionOpenAndSilent_ThenForwardsAgainWhenLifted()
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { BlackHole = true });
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);

        await client.SendAsync(new byte[10_000], SocketFlags.None, Timeout);
        await upstream.SendAsync(new byte[10], SocketFlags.None, Timeout);
        Assert.True(await upstream.StaysSilentAsync(Quiet));
        Assert.True(await client.StaysSilentAsync(Quiet));
        Assert.Equal(1, proxy.OpenConnections);
        await WaitUntilAsync(() => proxy.BytesDropped == 10_010);

        proxy.Plan = FaultPlan.None;
        await client.SendAsync("after"u8.ToArray(), SocketFlags.None, Timeout);
        Assert.Equal("after"u8.ToArray(), await upstream.ReadUpToAsync(5, Timeout));
    }

    [Fact]
    public async Task DropProbabilityOne_DiscardsEveryChunk()
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { DropProbability = 1 });
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);

        await client.SendAsync(new byte[3000], SocketFlags.None, Timeout);
        await WaitUntilAsync(() => proxy.BytesDropped == 3000);
        Assert.Equal(0, proxy.BytesForwarded);
        client.Shutdown(SocketShutdown.Send);
        var (data, reset) = await upstream.ReadToEndAsync(Timeout);
        Assert.Empty(data);
        Assert.False(reset);
    }

    [Fact]
    public async Task DropProbabilityHalf_LosesSomeChunksAndKeepsTheRestInOrder()
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { DropProbability = 0.5, ChunkSize = 100 }, seed: 11);
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);
        var payload = Enumerable.Range(0, 20_000).Select(i => (byte)(i / 100)).ToArray();
        await client.SendAsync(payload, SocketFlags.None, Timeout);
        client.Shutdown(SocketShutdown.Send);

        var (data, _) = await upstream.ReadToEndAsync(Timeout);
        Assert.InRange(data.Length, 1, payload.Length - 1);
        Assert.Equal(payload.Length, data.Length + proxy.BytesDropped);
        Assert.True(data.SequenceEqual(data.Order()), "surviving bytes keep their order");
    }

    [Fact]
    public async Task Retransmit_HoldsTheLostChunkAndEverythingBehindIt_ThenDeliversBothInOrder()
    {
        var time = new FakeTimeProvider();
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint,
            new FaultPlan { RetransmitProbability = 1, RetransmitDelay = TimeSpan.FromMilliseconds(60) }, time);
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);

        await client.SendAsync("lost"u8.ToArray(), SocketFlags.None, Timeout);
        await WaitUntilAsync(() => proxy.ChunksRetransmitted == 1);
        // The next chunk is not lost itself, but TCP cannot deliver it before the retransmitted one.
        proxy.Plan = FaultPlan.None;
        await client.SendAsync("next"u8.ToArray(), SocketFlags.None, Timeout);
        await WaitUntilAsync(() => proxy.ChunksQueued == 2);
        Assert.True(await upstream.StaysSilentAsync(Quiet));
        time.Advance(TimeSpan.FromMilliseconds(59));
        Assert.True(await upstream.StaysSilentAsync(Quiet));

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("lostnext"u8.ToArray(), await upstream.ReadUpToAsync(8, Timeout));
        Assert.Equal(1, proxy.ChunksRetransmitted);
        Assert.Equal(0, proxy.BytesDropped);
    }

    [Theory]
    [InlineData(13)]
    [InlineData(14)]
    public async Task RetransmitProbabilityHalf_DelaysSomeChunksButLosesNoByteAndKeepsOrder(int seed)
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint,
            new FaultPlan { RetransmitProbability = 0.5, RetransmitDelay = TimeSpan.FromMilliseconds(2), ChunkSize = 100 }, seed: seed);
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);
        var payload = new byte[20_000];
        new Random(seed).NextBytes(payload);
        await client.SendAsync(payload, SocketFlags.None, Timeout);
        client.Shutdown(SocketShutdown.Send);

        var (data, reset) = await upstream.ReadToEndAsync(Timeout);
        Assert.Equal(payload, data);
        Assert.False(reset);
        Assert.Equal(0, proxy.BytesDropped);
        Assert.InRange(proxy.ChunksRetransmitted, 1, proxy.ChunksQueued - 1);
    }

    [Fact]
    public async Task ResetProbabilityOne_ResetsOnTheFirstChunk()
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { ResetProbability = 1 });
        using var client = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var upstream = await server.AcceptAsync(Timeout);

        await client.SendAsync("x"u8.ToArray(), SocketFlags.None, Timeout);
        var (data, reset) = await client.ReadToEndAsync(Timeout);
        Assert.Empty(data);
        Assert.True(reset);
        Assert.True((await upstream.ReadToEndAsync(Timeout)).WasReset);
        await WaitUntilAsync(() => proxy.OpenConnections == 0);
    }

    [Fact]
    public async Task ResetAll_ResetsEveryOpenConnection()
    {
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint);
        var clients = new List<Socket>();
        for (var i = 0; i < 5; i++)
        {
            clients.Add(await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout));
            _ = await server.AcceptAsync(Timeout);
        }

        await WaitUntilAsync(() => proxy.OpenConnections == 5);
        proxy.ResetAll();
        foreach (var client in clients)
        {
            Assert.True((await client.ReadToEndAsync(Timeout)).WasReset);
            client.Dispose();
        }

        await WaitUntilAsync(() => proxy.OpenConnections == 0);
    }

    [Fact]
    public async Task Target_CanMoveToARestartedServer_KeepingTheProxyAddress()
    {
        await using var first = new LoopbackServer();
        await using var second = new LoopbackServer();
        await using var proxy = FaultProxy.Start(first.EndPoint);
        var address = proxy.EndPoint;
        using (var client = await SocketTestExtensions.ConnectLoopbackAsync(address, Timeout))
        {
            using var upstream = await first.AcceptAsync(Timeout);
            await client.SendAsync("one"u8.ToArray(), SocketFlags.None, Timeout);
            Assert.Equal("one"u8.ToArray(), await upstream.ReadUpToAsync(3, Timeout));
        }

        proxy.Target = second.EndPoint;
        using var again = await SocketTestExtensions.ConnectLoopbackAsync(address, Timeout);
        using var moved = await second.AcceptAsync(Timeout);
        await again.SendAsync("two"u8.ToArray(), SocketFlags.None, Timeout);
        Assert.Equal("two"u8.ToArray(), await moved.ReadUpToAsync(3, Timeout));
        Assert.Equal(address, proxy.EndPoint);
    }

    /// <summary>Polls a condition the proxy reaches asynchronously (no time limit of its own: the test timeout applies).</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
