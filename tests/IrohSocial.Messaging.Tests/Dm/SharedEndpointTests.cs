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
        var routerLogs = new LogCapture();
        var router = new Router(endpoint, routerLogs.Factory);
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

        // The app's router shuts down after the client it served: the handler has nothing left to stop, not a failure.
        await router.DisposeAsync();
        Assert.False(routerLogs.Has(3015), "the DM handler failed to shut down after its client was disposed");
    }

    // The timeout bounds a hang only: before the fix the router waited its whole grace period (here 10 minutes).
    [Fact(Timeout = 60_000)]
    public async Task RouterShutdown_IdleInboundConnection_DoesNotWaitForTheGracePeriod()
    {
        // An app shutting down its router gives handlers a grace period for work in flight; an idle DM connection
        // (the peer keeps it open for the next message) is not work in flight, so the DM handler stops taking
        // streams and lets the router finish at once instead of holding every shutdown for the whole period.
        using var key = SecretKey.Generate();
        await using var endpoint = await Endpoint.BindAsync(new EndpointOptions { SecretKey = key, BindAddress = new IPEndPoint(IPAddress.Loopback, 0) });
        var router = new Router(endpoint);
        await using var store = new InMemoryMessagingStore();
        await using var shared = await DmClient.StartAsync(new DmClientOptions { SecretKey = key, Store = store, Endpoint = endpoint });
        shared.Register(router);
        router.Start();
        var received = new EventLog();
        received.Attach(shared);

        await using var bob = await TestNode.CreateAsync("bob");
        var id = await bob.C.SendMessageAsync(endpoint.Addr, "hello before shutdown");
        await received.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == id), what: "shared client receives");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Any(d => d.MessageId == id), what: "bob sees it delivered");

        await router.ShutdownAsync(TimeSpan.FromMinutes(10), TestContext.Current.CancellationToken);
        Assert.Single(await store.GetMessagesAsync(bob.Id, 10, null, TestContext.Current.CancellationToken));
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
