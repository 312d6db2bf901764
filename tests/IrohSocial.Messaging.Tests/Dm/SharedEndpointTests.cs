using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>An app that owns its endpoint and router registers the DM handler on them.</summary>
public sealed class SharedEndpointTests
{
    [Fact]
    public async Task SharedEndpoint_RegisteredOnAppRouter_ExchangesMessagesAndStaysOpenAfterClientDisposal()
    {
        using var key = SecretKey.Generate();
        await using var endpoint = await Endpoint.BindAsync(new EndpointOptions { SecretKey = key, BindAddress = new IPEndPoint(IPAddress.Loopback, 0) });
        await using var router = new Router(endpoint);
        await using var store = new InMemoryMessagingStore();
        var shared = await DmClient.StartAsync(new DmClientOptions { SecretKey = key, Store = store, Endpoint = endpoint });
        shared.Register(router);
        router.Start();
        var received = new EventLog();
        received.Attach(shared);

        await using var bob = await TestNode.CreateAsync("bob");
        var id = await bob.C.SendMessageAsync(endpoint.Addr, "to the shared endpoint");
        await received.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == id), what: "shared client receives");
        await shared.SendMessageAsync(bob.Id, "back from the shared endpoint");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1, what: "bob receives");

        await shared.DisposeAsync();
        Assert.Equal(key.PublicKey, endpoint.Id); // still usable: the client did not own it
    }

    [Fact]
    public async Task StartAsync_EndpointOfAnotherIdentity_Throws()
    {
        using var key = SecretKey.Generate();
        using var other = SecretKey.Generate();
        await using var endpoint = await Endpoint.BindAsync(new EndpointOptions { SecretKey = other, BindAddress = new IPEndPoint(IPAddress.Loopback, 0) });
        await using var store = new InMemoryMessagingStore();
        await Assert.ThrowsAsync<ArgumentException>(() => DmClient.StartAsync(new DmClientOptions { SecretKey = key, Store = store, Endpoint = endpoint }));
    }
}
