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
    public async Task SharedLink_TwoBulkConnectionsTogetherStayWithinTheRate_AndTakeTurns()
    {
        var run = await RunTwoBulkConnectionsAsync(sharedLink: true);

        // One link: at no instant have both connections together got more than the rate allows (plus the slice on
        // the wire), however the clock was stepped.
        foreach (var (elapsedMs, forwarded) in run.Samples)
        {
            Assert.True(forwarded <= (SharedRate * elapsedMs / 1000) + SharedSlice, $"{forwarded} bytes after {elapsedMs} ms");
        }

        Assert.True(run.AllDoneMs >= ((2 * BulkBytes) - SharedSlice) * 1000 / SharedRate, $"both payloads done after {run.AllDoneMs} ms");

        // Turns: the first connection to finish did so only when the link had carried nearly both payloads. Had either
        // been served first (or starved), the first would have finished at about half that.
        Assert.True(run.FirstDoneMs >= ((2 * BulkBytes) - (4 * SharedSlice)) * 1000 / SharedRate, $"one connection was done after {run.FirstDoneMs} ms");
    }

    [Fact]
    public async Task WithoutSharedLink_EachConnectionHasTheWholeRateToItself()
    {
        // The contrast to the shared link above, through the same steps: per connection caps are unchanged.
        var run = await RunTwoBulkConnectionsAsync(sharedLink: false);

        Assert.True(run.AllDoneMs <= BulkBytes * 1000 / SharedRate, $"both payloads done only after {run.AllDoneMs} ms");
        Assert.Contains(run.Samples, s => s.Forwarded > (SharedRate * s.ElapsedMs / 1000) + SharedSlice);
    }

    [Fact]
    public async Task SharedLink_ASmallMessageWaitsForAboutOneSliceOfABusyConnection_NotForItsBacklog()
    {
        await using var link = await BusySharedLink.StartAsync();
        Assert.Equal(SharedSlice, link.Proxy.BytesForwarded);

        var message = new byte[40];
        new Random(17).NextBytes(message);
        await link.SmallClient.SendAsync(message, SocketFlags.None, Timeout);
        var arrived = link.SmallUpstream.ReadUpToAsync(message.Length, Timeout);
        await SettleAsync(link.Clock, () => arrived.IsCompleted ? 1 : 2);

        // Bounded at ten times the expected wait, so a link that queued the message behind the backlog fails here.
        var elapsedMs = await link.StepUntilAsync(arrived, 10 * SharedSliceMs);
        Assert.True(arrived.IsCompleted, $"the message had not arrived after {elapsedMs} ms");
        Assert.Equal(message, await arrived);

        // It waited only for the bulk slice on the wire when it asked (a flow-queueing bottleneck serves a newly active
        // flow next): a FIFO bottleneck would have held it for the whole five-second backlog.
        var bulkForwarded = link.Proxy.BytesForwarded - message.Length;
        Assert.True(bulkForwarded <= SharedSlice, $"{bulkForwarded} bulk bytes went first");
        Assert.True(elapsedMs <= SharedSliceMs, $"the message arrived after {elapsedMs} ms");
    }

    [Fact]
    public async Task SharedLink_ATurnCarriesEverythingAConnectionHasQueued_SoManySmallWritesKeepTheirPace()
    {
        await using var link = await BusySharedLink.StartAsync();

        // Ten 5-byte writes (as audio frames are small), each read as its own chunk: the first takes a turn and waits
        // for it; the other nine queue behind it.
        const int writes = 10, size = 5;
        var messages = new byte[writes * size];
        new Random(5).NextBytes(messages);
        var arrived = link.SmallUpstream.ReadUpToAsync(messages.Length, Timeout);
        for (var i = 0; i < writes; i++)
        {
            long queued = link.Proxy.ChunksQueued;
            await link.SmallClient.SendAsync(messages.AsMemory(i * size, size), SocketFlags.None, Timeout);
            await WaitUntilAsync(() => link.Proxy.ChunksQueued == queued + 1 && link.Clock.Parked == 2);
        }

        var elapsedMs = await link.StepUntilAsync(arrived, 20 * SharedSliceMs);
        Assert.True(arrived.IsCompleted, $"the writes had not arrived after {elapsedMs} ms");
        Assert.Equal(messages, await arrived);

        // Two turns of the small connection (the first write, then the nine queued ones together), each after a bulk
        // slice: about three slices. One turn per write would have taken ten, alternating with the bulk slices.
        Assert.True(elapsedMs <= 4 * SharedSliceMs, $"the writes arrived after {elapsedMs} ms");
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

    private const int SharedRate = 1000;
    private const int SharedSlice = SharedRate / 20; // the proxy's slice at this rate (below an MTU)
    private const int SharedSliceMs = 1000 * SharedSlice / SharedRate;
    private const int BulkBytes = 2000;
    private const int StepMs = 10;

    /// <summary>
    /// Two connections each send <see cref="BulkBytes"/> at once through a proxy capped at <see cref="SharedRate"/>;
    /// the clock is stepped until both payloads arrived. Records the bytes forwarded at each step and when each finished.
    /// </summary>
    private static async Task<BulkRun> RunTwoBulkConnectionsAsync(bool sharedLink)
    {
        var clock = new ParkingClock(new FakeTimeProvider());
        await using var server = new LoopbackServer();
        await using var proxy = FaultProxy.Start(server.EndPoint, new FaultPlan { BytesPerSecond = SharedRate, SharedLink = sharedLink }, clock);
        using var first = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var firstUpstream = await server.AcceptAsync(Timeout);
        using var second = await SocketTestExtensions.ConnectLoopbackAsync(proxy.EndPoint, Timeout);
        using var secondUpstream = await server.AcceptAsync(Timeout);
        var payloads = new[] { new byte[BulkBytes], new byte[BulkBytes] };
        new Random(21).NextBytes(payloads[0]);
        new Random(22).NextBytes(payloads[1]);

        await first.SendAsync(payloads[0], SocketFlags.None, Timeout);
        await WaitUntilAsync(() => clock.Parked == 1);
        await second.SendAsync(payloads[1], SocketFlags.None, Timeout);
        var reads = new[] { firstUpstream.ReadUpToAsync(BulkBytes, Timeout), secondUpstream.ReadUpToAsync(BulkBytes, Timeout) };
        int Busy() => reads.Count(r => !r.IsCompleted);
        await SettleAsync(clock, Busy);

        var samples = new List<(long ElapsedMs, long Forwarded)>();
        var elapsedMs = 0L;
        long? firstDoneMs = null;
        while (Busy() > 0)
        {
            samples.Add((elapsedMs, proxy.BytesForwarded));
            elapsedMs = await StepAsync(clock, elapsedMs, Busy);
            firstDoneMs ??= Busy() < 2 ? elapsedMs : null;
        }

        samples.Add((elapsedMs, proxy.BytesForwarded));
        Assert.Equal(payloads[0], await reads[0]);
        Assert.Equal(payloads[1], await reads[1]);
        return new BulkRun(samples, firstDoneMs ?? elapsedMs, elapsedMs);
    }

    /// <summary>Advances the clock one step, then waits for the proxy to settle (see <see cref="SettleAsync"/>).</summary>
    private static async Task<long> StepAsync(ParkingClock clock, long elapsedMs, Func<int> busyConnections)
    {
        clock.Fake.Advance(TimeSpan.FromMilliseconds(StepMs));
        await SettleAsync(clock, busyConnections);
        return elapsedMs + StepMs;
    }

    /// <summary>
    /// Waits until every connection still sending is parked on a timer (each proxy writer waits on at most one), so
    /// the proxy has done everything due at this instant before the clock moves on: the bytes each step lets through
    /// do not depend on how fast this machine runs.
    /// </summary>
    private static async Task SettleAsync(ParkingClock clock, Func<int> busyConnections)
    {
        while (clock.Parked != busyConnections())
        {
            await Task.Delay(1, Timeout);
        }
    }

    /// <summary>
    /// A shared-link proxy on a fake clock with two connections: "bulk" has sent five seconds of backlog (with the clock
    /// standing still it sent its first slice, waits for the next and queues the rest), "small" has sent nothing yet.
    /// </summary>
    private sealed class BusySharedLink : IAsyncDisposable
    {
        private LoopbackServer _server = null!;
        private Socket _bulkClient = null!, _bulkUpstream = null!;

        public ParkingClock Clock { get; } = new(new FakeTimeProvider());

        public FaultProxy Proxy { get; private set; } = null!;

        public Socket SmallClient { get; private set; } = null!;

        public Socket SmallUpstream { get; private set; } = null!;

        public static async Task<BusySharedLink> StartAsync()
        {
            var link = new BusySharedLink { _server = new LoopbackServer() };
            link.Proxy = FaultProxy.Start(link._server.EndPoint, new FaultPlan { BytesPerSecond = SharedRate, SharedLink = true }, link.Clock);
            link._bulkClient = await SocketTestExtensions.ConnectLoopbackAsync(link.Proxy.EndPoint, Timeout);
            link._bulkUpstream = await link._server.AcceptAsync(Timeout);
            link.SmallClient = await SocketTestExtensions.ConnectLoopbackAsync(link.Proxy.EndPoint, Timeout);
            link.SmallUpstream = await link._server.AcceptAsync(Timeout);
            const int backlog = 5 * SharedRate;
            await link._bulkClient.SendAsync(new byte[backlog], SocketFlags.None, Timeout);
            await WaitUntilAsync(() => link.Clock.Parked == 1 && link.Proxy.MaxQueuedBytes >= backlog - SharedSlice);
            return link;
        }

        /// <summary>Steps the clock until <paramref name="arrived"/> completes or <paramref name="maxMs"/> passed; returns the elapsed ms.</summary>
        public async Task<long> StepUntilAsync(Task arrived, long maxMs)
        {
            var elapsedMs = 0L;
            while (!arrived.IsCompleted && elapsedMs < maxMs)
            {
                elapsedMs = await StepAsync(Clock, elapsedMs, () => arrived.IsCompleted ? 1 : 2);
            }

            return elapsedMs;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var socket in new[] { _bulkClient, _bulkUpstream, SmallClient, SmallUpstream })
            {
                socket?.Dispose();
            }

            await Proxy.DisposeAsync();
            await _server.DisposeAsync();
        }
    }

    private sealed record BulkRun(List<(long ElapsedMs, long Forwarded)> Samples, long FirstDoneMs, long AllDoneMs);

    /// <summary>A fake clock that counts the timers waiting on it: how a test sees that the proxy's writers are parked.</summary>
    private sealed class ParkingClock(FakeTimeProvider fake) : TimeProvider
    {
        private int _parked;

        public FakeTimeProvider Fake => fake;

        public int Parked => Volatile.Read(ref _parked);

        public override TimeZoneInfo LocalTimeZone => fake.LocalTimeZone;

        public override long TimestampFrequency => fake.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

        public override long GetTimestamp() => fake.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ParkedTimer(this);
            Interlocked.Increment(ref _parked);
            timer.Inner = fake.CreateTimer(s =>
            {
                timer.Release();
                callback(s);
            }, state, dueTime, period);
            return timer;
        }

        private sealed class ParkedTimer(ParkingClock clock) : ITimer
        {
            private int _released;

            public ITimer? Inner { get; set; }

            public void Release()
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    Interlocked.Decrement(ref clock._parked);
                }
            }

            public bool Change(TimeSpan dueTime, TimeSpan period) => Inner?.Change(dueTime, period) ?? false;

            public void Dispose()
            {
                Release();
                Inner?.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
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
