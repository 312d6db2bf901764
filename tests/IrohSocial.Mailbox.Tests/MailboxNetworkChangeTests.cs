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

    // Both proxies stand for network paths to the mailbox, so Bob dials TLS over TCP whatever this run's transport.
    [Fact]
    public async Task WatchPathBlackHoled_NetworkChanges_ADepositAfterwardsIsFetchedOverTheOtherPath()
    {
        await using var host = await MailboxHost.StartAsync(sqlite: false);
        await using var oldPath = FaultProxy.Start(host.Address.DirectAddresses[0]);
        await using var otherPath = FaultProxy.Start(host.Address.DirectAddresses[0]);
        var network = new ManualNetworkMonitor();
        await using var bob = new DmPeer("bob", host.Address with { DirectAddresses = [oldPath.EndPoint, otherPath.EndPoint] })
        {
            ConfigureEndpoint = o => o with { Provider = TransportProvider.TcpTls, NetworkMonitor = network, IdleTimeout = TimeSpan.FromMinutes(10) },
        };
        await using var alice = new DmPeer("alice", host.Address);
        await bob.StartAsync();
        await alice.StartAsync();

        // Alice cannot reach Bob himself (no address but his mailbox): what she sends is deposited, and his watch reports it.
        var bobByMailbox = new EndpointAddr(bob.Id, []) { Mailbox = host.Address };
        await alice.C.SendMessageAsync(bobByMailbox, "before", cancellationToken: Ct);
        await WaitUntilAsync(() => bob.Events.OfType<MessageReceivedEvent>().Any(), Bound, "bob fetches the first deposit");
        Assert.Equal(0, otherPath.AcceptedConnections);

        // Bob's interface towards the old path is gone: his watch connection goes silent, new dials there are refused.
        oldPath.Plan = FaultPlan.None with { BlackHole = true, Refuse = true };
        var changedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        network.Change();
        var after = await alice.C.SendMessageAsync(bobByMailbox, "after", cancellationToken: Ct);

        await WaitUntilAsync(() => bob.Events.OfType<MessageReceivedEvent>().Any(e => e.Message.Id == after), Bound, "bob fetches the deposit made after the change");
        TestContext.Current.TestOutputHelper?.WriteLine($"from the change to the deposit received: {System.Diagnostics.Stopwatch.GetElapsedTime(changedAt).TotalMilliseconds:0} ms");
        Assert.True(otherPath.AcceptedConnections > 0, "the watch was renewed over the other path");
        Assert.Equal(["before", "after"], (await bob.C.GetMessagesAsync(alice.Id, cancellationToken: Ct)).Select(m => m.Content));
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
