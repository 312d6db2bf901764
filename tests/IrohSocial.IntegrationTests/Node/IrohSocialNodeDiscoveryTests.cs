using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Node;

/// <summary>The node's LAN discovery options: a given discovery is used (and announced on only when asked), browsing can be turned off.</summary>
public sealed class IrohSocialNodeDiscoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IrohSocialNodeOptions Options(ILocalDiscovery? discovery = null) => new()
    {
        SecretKey = SecretKey.Generate(),
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = TestTransport.Require(),
        LocalDiscovery = discovery,
    };

    [Fact]
    public async Task AnnouncingNode_IsReachedByIdAlone_AndABrowsingNodeStaysUnseen()
    {
        var lan = new InMemoryLocalNetwork();
        await using var bobDiscovery = lan.CreateDiscovery();
        await using var aliceDiscovery = lan.CreateDiscovery();
        await using var bob = await IrohSocialNode.StartAsync(Options(bobDiscovery) with { AnnounceOnLocalNetwork = true }, Ct);
        await using var alice = await IrohSocialNode.StartAsync(Options(aliceDiscovery), Ct);
        Assert.Same(aliceDiscovery, alice.LocalDiscovery);

        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Messages.MessageReceived += (_, e) => received.TrySetResult(e.Message.Content);
        await alice.Messages.SendMessageAsync(bob.Id, "by id alone", cancellationToken: Ct);
        Assert.Equal("by id alone", await received.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct));

        // Alice only browses: nobody on the LAN finds her.
        Assert.Null(bobDiscovery.Find(alice.Id, TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public async Task BrowseLocalNetworkOff_RunsNoDiscovery()
    {
        await using var node = await IrohSocialNode.StartAsync(Options() with { BrowseLocalNetwork = false }, Ct);
        Assert.Null(node.LocalDiscovery);
    }
}
