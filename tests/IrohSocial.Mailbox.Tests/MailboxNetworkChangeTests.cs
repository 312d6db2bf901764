using IrohSocial.Hardening.Tests.Faults;
using IrohSocial.Messaging;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.Mailbox.Tests;

/// <summary>
/// The inbox watch is a long-lived connection to the own mailbox: after a network change it may run over a path that
/// died without a word (no FIN, no RST), which the transport notices only at its idle timeout. The change renews it.
/// </summary>
public sealed class MailboxNetworkChangeTests
{
    // Far below Bob's idle timeout (10 minutes here), the only other thing that would end the dead connection.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Both proxies stand for network paths to the mailbox, so everyone uses TLS over TCP whatever this run's transport.
    [Fact]
    public async Task WatchPathBlackHoled_NetworkChanges_ADepositAfterwardsIsFetchedOverTheOtherPath()
    {
        await using var host = await MailboxHost.StartAsync(sqlite: false, provider: TransportProvider.TcpTls);
        await using var oldPath = FaultProxy.Start(host.Address.DirectAddresses[0]);
        // The other path comes up with the change (dials are staggered: a slow first answer must not reach it before).
        await using var otherPath = FaultProxy.Start(host.Address.DirectAddresses[0], FaultPlan.None with { Refuse = true });
        // Neither can reach the other directly (each says it is at a port where nothing listens): everything between
        // them goes through the mailbox, so what Bob receives after the change came through his renewed watch.
        var network = Unreachable();
        await using var bob = new DmPeer("bob", host.Address with { DirectAddresses = [oldPath.EndPoint, otherPath.EndPoint] })
        {
            ConfigureEndpoint = o => o with { Provider = TransportProvider.TcpTls, NetworkMonitor = network, IdleTimeout = TimeSpan.FromMinutes(10) },
        };
        var aliceNetwork = Unreachable();
        await using var alice = new DmPeer("alice", host.Address)
        {
            ConfigureEndpoint = o => o with { Provider = TransportProvider.TcpTls, NetworkMonitor = aliceNetwork },
        };
        await bob.StartAsync();
        await alice.StartAsync();

        var bobByMailbox = new EndpointAddr(bob.Id, []) { Mailbox = host.Address };
        await alice.C.SendMessageAsync(bobByMailbox, "before", cancellationToken: Ct);
        await WaitUntilAsync(() => bob.Events.OfType<MessageReceivedEvent>().Any(), Bound, "bob fetches the first deposit");

        // Bob's interface towards the old path is gone (his watch connection goes silent, new dials there are refused)
        // and another is up.
        oldPath.Plan = FaultPlan.None with { BlackHole = true, Refuse = true };
        otherPath.Plan = FaultPlan.None;
        var changedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        network.Change();
        var after = await alice.C.SendMessageAsync(bobByMailbox, "after", cancellationToken: Ct);

        await WaitUntilAsync(() => bob.Events.OfType<MessageReceivedEvent>().Any(e => e.Message.Id == after), Bound, "bob fetches the deposit made after the change");
        TestContext.Current.TestOutputHelper?.WriteLine($"from the change to the deposit received: {System.Diagnostics.Stopwatch.GetElapsedTime(changedAt).TotalMilliseconds:0} ms");
        Assert.True(otherPath.AcceptedConnections > 0, "the watch was renewed over the other path");
        await WaitUntilAsync(() => alice.Events.OfType<MessageDepositedEvent>().Any(e => e.MessageId == after), Bound, "alice sees it deposited (not delivered directly)");
        Assert.Equal(["before", "after"], (await bob.C.GetMessagesAsync(alice.Id, cancellationToken: Ct)).Select(m => m.Content));
    }

    // The same for any MailboxClient: its connection is dropped on the change, so a watch on a dead path ends (the
    // caller watches again) and the next request redials instead of waiting on the dead connection.
    [Fact]
    public async Task MailboxClient_NetworkChanges_AWatchOnADeadPathEnds_AndTheNextRequestRedials()
    {
        await using var host = await MailboxHost.StartAsync(sqlite: false, provider: TransportProvider.TcpTls);
        await using var oldPath = FaultProxy.Start(host.Address.DirectAddresses[0]);
        // The other path comes up with the change (dials are staggered: a slow first answer must not reach it before).
        await using var otherPath = FaultProxy.Start(host.Address.DirectAddresses[0], FaultPlan.None with { Refuse = true });
        var network = new ManualNetworkMonitor();
        using var key = Crypto.SecretKey.Generate();
        await using var endpoint = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = key,
            BindAddress = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
            Provider = TransportProvider.TcpTls,
            Alpns = [Alpns.DirectMessages],
            NetworkMonitor = network,
            IdleTimeout = TimeSpan.FromMinutes(10),
        }, Ct);
        await using var client = new MailboxClient(endpoint, host.Address with { DirectAddresses = [oldPath.EndPoint, otherPath.EndPoint] });
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var watch = client.WatchAsync(stopWatching.Token).GetAsyncEnumerator(stopWatching.Token);
        var next = watch.MoveNextAsync().AsTask();
        try
        {
            await WaitUntilAsync(() => oldPath.AcceptedConnections > 0, Bound, "the watch is open over the old path");
            Assert.Equal(0, (await client.GetStatsAsync(Ct)).Count);

            oldPath.Plan = FaultPlan.None with { BlackHole = true, Refuse = true };
            otherPath.Plan = FaultPlan.None;
            var stuck = client.GetStatsAsync(Ct); // waits on the dead path
            var changedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            network.Change();

            var ended = await Assert.ThrowsAsync<MailboxException>(() => next.WaitAsync(Bound, Ct));
            Assert.Equal(MailboxError.Unreachable, ended.Error);
            TestContext.Current.TestOutputHelper?.WriteLine($"the watch ended {System.Diagnostics.Stopwatch.GetElapsedTime(changedAt).TotalMilliseconds:0} ms after the change");
            Assert.Equal(MailboxError.Unreachable, (await Assert.ThrowsAsync<MailboxException>(() => stuck.WaitAsync(Bound, Ct))).Error);
            Assert.Equal(0, (await client.GetStatsAsync(Ct).WaitAsync(Bound, Ct)).Count);
            Assert.True(otherPath.AcceptedConnections > 0, "the client redialled over the other path");
        }
        finally
        {
            // An enumerator cannot be disposed while a MoveNextAsync is pending: end that first.
            await stopWatching.CancelAsync();
            await next.ContinueWith(_ => { }, TaskScheduler.Default);
            await watch.DisposeAsync();
        }
    }

    /// <summary>A network that reports this endpoint at a loopback port where nothing listens (dials there are refused).</summary>
    private static ManualNetworkMonitor Unreachable()
    {
        var network = new ManualNetworkMonitor();
        network.Change(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, TestTransport.FreePort()));
        return network;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan bound, string what)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50, Ct);
        }
    }
}
