using IrohSocial.Hardening.Tests.Faults;
using IrohSocial.IntegrationTests.Calls.Support;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Node;

/// <summary>
/// DMs across a network change (issue 22): the path between two contacts dies without a word (no FIN, no RST) and one
/// of them comes up at a new address. Both directions must work again well before the transport's idle timeout (30 s),
/// the only other thing that would end the connection on the dead path.
/// </summary>
public sealed class DmNetworkChangeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15); // half the idle timeout: generous, yet decisive

    [Theory]
    [InlineData(TransportProvider.TcpTls)]
    [InlineData(TransportProvider.Quic)]
    public async Task PathBlackHoled_PeerMovesToANewAddress_MessagesFlowBothWaysAgain(TransportProvider provider)
    {
        TestTransport.Require(provider);

        var log = new TestLog();
        var bobNetwork = new ManualNetworkMonitor();
        try
        {
            await using var alice = await CallNodes.StartNodeAsync(CallNodes.FastOptions, log.Factory("alice"), provider: provider);
            await using var bob = await CallNodes.StartNodeAsync(CallNodes.FastOptions, log.Factory("bob"), provider: provider, network: bobNetwork);
            await using var oldPath = NetworkPath.Start(provider, bob.Endpoint(), up: true);
            await using var newPath = NetworkPath.Start(provider, bob.Endpoint(), up: false);

            // Alice reaches bob through the old path; bob answers on the connection alice opened.
            alice.Messages.AddPeer(new EndpointAddr(bob.Id, [oldPath.EndPoint]));
            bob.Messages.AddPeer(alice.Addr);
            await alice.Messages.SendMessageAsync(bob.Id, "before", cancellationToken: Ct);
            await WaitForAsync(bob, alice.Id, "before");
            await bob.Messages.SendMessageAsync(alice.Id, "before, back", cancellationToken: Ct);
            await WaitForAsync(alice, bob.Id, "before, back");

            // The old path goes silent; bob's network comes up elsewhere and bob tells alice, over a connection it dials
            // to her. Alice's envelope link still runs on the old connection, which looks alive: nothing reset it.
            oldPath.BlackHole();
            newPath.BringUp();
            bobNetwork.Change(newPath.EndPoint);
            await WaitUntilAsync(() => alice.Messages.GetKnownAddress(bob.Id)?.DirectAddresses.Contains(newPath.EndPoint) == true);

            await alice.Messages.SendMessageAsync(bob.Id, "after", cancellationToken: Ct);
            await bob.Messages.SendMessageAsync(alice.Id, "after, back", cancellationToken: Ct);
            await WaitForAsync(bob, alice.Id, "after");
            await WaitForAsync(alice, bob.Id, "after, back");
        }
        finally
        {
            log.Dump();
        }
    }

    private static Task WaitForAsync(IrohSocialNode node, Crypto.EndpointId peer, string text) =>
        WaitUntilAsync(async () => (await node.Messages.GetMessagesAsync(peer, cancellationToken: Ct)).Any(m => m.Content == text));

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50, Ct);
        }
    }
}
