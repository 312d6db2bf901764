using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Testing;
using IrohSocial.Transport;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Mailbox.Tests;

/// <summary><see cref="ILocalDiscovery"/> with the in-memory LAN: hits are dial candidates ahead of stale addresses, proven by TLS.</summary>
public sealed class LocalDiscoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly IPEndPoint Stale = new(IPAddress.Loopback, TestTransport.FreePort());

    private static async Task<(Endpoint Endpoint, Router Router)> ListenerAsync(SecretKey key, ILocalDiscovery discovery, bool announce)
    {
        var endpoint = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = key,
            BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
            Provider = TestTransport.Require(),
            LocalDiscovery = discovery,
            AnnounceOnLocalNetwork = announce,
        }, Ct);
        var router = new Router(endpoint).Accept(Alpns.DirectMessages, new HoldOpen());
        router.Start();
        return (endpoint, router);
    }

    private static ValueTask<Endpoint> DialerAsync(ILocalDiscovery discovery, SecretKey? key = null) => Endpoint.BindAsync(new EndpointOptions
    {
        SecretKey = key ?? SecretKey.Generate(),
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = TestTransport.Require(),
        LocalDiscovery = discovery,
    }, Ct);

    [Fact]
    public async Task Dial_WithAStaleAddress_UsesTheFreshLanHit()
    {
        var lan = new InMemoryLocalNetwork();
        using var bobKey = SecretKey.Generate();
        var (bob, router) = await ListenerAsync(bobKey, lan.CreateDiscovery(), announce: true);
        await using (bob)
        await using (router)
        await using (var alice = await DialerAsync(lan.CreateDiscovery()))
        {
            await using var connection = await alice.ConnectAsync(new EndpointAddr(bob.Id, [Stale]), Alpns.DirectMessages, Ct);
            Assert.Equal(bob.Id, connection.RemoteId);
        }
    }

    [Fact]
    public async Task Dial_WithAStaleAddress_WaitsBrieflyForALanAnswerThatArrivesLate()
    {
        // A fresh process dials at once: the answer to its first query is not in yet when the stale address fails.
        var lan = new InMemoryLocalNetwork();
        using var bobKey = SecretKey.Generate();
        var (bob, router) = await ListenerAsync(bobKey, lan.CreateDiscovery(), announce: true);
        await using var late = new LateAnswers(lan.CreateDiscovery(), misses: 3);
        await using (bob)
        await using (router)
        await using (var alice = await DialerAsync(late))
        {
            await using var connection = await alice.ConnectAsync(new EndpointAddr(bob.Id, [Stale]), Alpns.DirectMessages, Ct);
            Assert.Equal(bob.Id, connection.RemoteId);
            Assert.True(late.Lookups > 3);
        }
    }

    /// <summary>A discovery whose first <c>misses</c> lookups find nothing (the LAN's answer still on its way).</summary>
    private sealed class LateAnswers(ILocalDiscovery inner, int misses) : ILocalDiscovery
    {
        private int _lookups;

        public int Lookups => Volatile.Read(ref _lookups);

        public ValueTask StartAsync(EndpointAddr self, bool announce, CancellationToken cancellationToken = default) => inner.StartAsync(self, announce, cancellationToken);

        public ValueTask RenewAsync(EndpointAddr self, CancellationToken cancellationToken = default) => inner.RenewAsync(self, cancellationToken);

        public LocalPeer? Find(EndpointId id, TimeSpan maxAge) => Interlocked.Increment(ref _lookups) <= misses ? null : inner.Find(id, maxAge);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Fact]
    public async Task NotAnnouncing_OrAnOldHit_GivesNothingToDial()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var lan = new InMemoryLocalNetwork(time);
        using var quietKey = SecretKey.Generate();
        using var loudKey = SecretKey.Generate();
        var (quiet, quietRouter) = await ListenerAsync(quietKey, lan.CreateDiscovery(), announce: false);
        var (loud, loudRouter) = await ListenerAsync(loudKey, lan.CreateDiscovery(), announce: true);
        await using (quiet)
        await using (quietRouter)
        await using (loud)
        await using (loudRouter)
        await using (var alice = await DialerAsync(lan.CreateDiscovery()))
        {
            // Announcing is opt-in: a node that does not announce is not found.
            Assert.Null(alice.LocalDiscovery!.Find(quiet.Id, TimeSpan.FromMinutes(2)));
            await Assert.ThrowsAsync<TransportException>(async () => await alice.ConnectAsync(new EndpointAddr(quiet.Id, [Stale]), Alpns.DirectMessages, Ct));
            // A hit older than the limit is not dialed.
            time.Advance(TimeSpan.FromMinutes(3));
            Assert.Null(alice.LocalDiscovery!.Find(loud.Id, TimeSpan.FromMinutes(2)));
            await Assert.ThrowsAsync<TransportException>(async () => await alice.ConnectAsync(new EndpointAddr(loud.Id, [Stale]), Alpns.DirectMessages, Ct));
        }
    }

    [Fact]
    public async Task AForgedHit_PointingAtAnotherNode_FailsTheIdentityCheck()
    {
        var lan = new InMemoryLocalNetwork();
        using var malloryKey = SecretKey.Generate();
        var (mallory, router) = await ListenerAsync(malloryKey, lan.CreateDiscovery(), announce: false);
        var bobId = SecretKey.Generate().PublicKey;
        // Someone on the LAN claims Bob's id at Mallory's address.
        await using var liar = lan.CreateDiscovery();
        await liar.StartAsync(new EndpointAddr(bobId, mallory.Addr.DirectAddresses), announce: true, Ct);
        await using (mallory)
        await using (router)
        await using (var alice = await DialerAsync(lan.CreateDiscovery()))
        {
            var failure = await Assert.ThrowsAsync<TransportException>(async () => await alice.ConnectAsync(new EndpointAddr(bobId, []), Alpns.DirectMessages, Ct));
            Assert.Equal(TransportError.EndpointIdMismatch, failure.Error);
        }
    }

    [Fact]
    public async Task DmClient_SendsByIdAlone_ToAPeerFoundOnTheLan()
    {
        var lan = new InMemoryLocalNetwork();
        await using var bob = new DmPeer("bob");
        var folder = Path.Combine(Path.GetTempPath(), "irohsocial-lan-" + Guid.NewGuid().ToString("N"));
        // Bob announces on the LAN; Alice has never seen his address.
        await using var bobDiscovery = lan.CreateDiscovery();
        var bobEndpoint = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = bob.Key,
            BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
            Provider = TestTransport.Require(),
            LocalDiscovery = bobDiscovery,
            AnnounceOnLocalNetwork = true,
            Alpns = [Alpns.DirectMessages],
        }, Ct);
        await using (bobEndpoint)
        {
            await using var bobClient = await DmClient.StartAsync(new DmClientOptions { SecretKey = bob.Key, Store = bob.Store, Endpoint = bobEndpoint, AttachmentDirectory = Path.Combine(folder, "bob") }, Ct);
            await using var bobRouter = bobClient.Register(new Router(bobEndpoint));
            bobRouter.Start();
            var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            bobClient.MessageReceived += (_, e) => received.TrySetResult(e.Message.Content);

            await using var aliceDiscovery = lan.CreateDiscovery();
            using var aliceKey = SecretKey.Generate();
            var aliceEndpoint = await DialerAsync(aliceDiscovery, aliceKey);
            await using (aliceEndpoint)
            {
                await using var alice = await DmClient.StartAsync(new DmClientOptions
                {
                    SecretKey = aliceKey,
                    Store = new Messaging.Storage.InMemoryMessagingStore(),
                    Endpoint = aliceEndpoint,
                    AttachmentDirectory = Path.Combine(folder, "alice"),
                }, Ct);
                await alice.SendMessageAsync(bob.Id, "found you on the LAN", cancellationToken: Ct);
                Assert.Equal("found you on the LAN", await received.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct));
            }
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Keeps accepted connections open until the router stops.</summary>
    private sealed class HoldOpen : IProtocolHandler
    {
        public Task HandleConnectionAsync(Connection connection, CancellationToken cancellationToken) => connection.Closed.WaitAsync(cancellationToken);

        public ValueTask ShutdownAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
