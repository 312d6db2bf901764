using IrohSocial.Crypto;
using IrohSocial.Messaging.Tests.Support;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>
/// Issue 19: a send to a look-alike address (another id at Bob's socket address, as a mistyped ticket decodes to)
/// fails identity verification; afterwards Alice's normal messages to Bob must still be delivered and acked.
/// </summary>
public sealed class LookAlikePeerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendToLookAlike_ThenToRealPeer_EveryMessageDeliveredAndAcked(bool restartSenderBetweenSends)
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        using var otherKey = SecretKey.Generate();
        var lookAlike = new EndpointAddr(otherKey.PublicKey, bob.Address.DirectAddresses);

        // Stays queued for the look-alike: the dial reaches Bob's socket but Bob proves another id.
        await alice.C.SendMessageAsync(lookAlike, "to a mistyped ticket");

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            if (restartSenderBetweenSends)
            {
                // What each `irohsocial send` process does: a new client on a new port, same store.
                await alice.StopAsync();
                await alice.StartAsync(configure: o => o with { BindAddress = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) });
            }

            // Alice redials the look-alike (as a restarted client's outbox does) while she sends to Bob.
            alice.C.AddPeer(lookAlike);
            var id = await alice.C.SendMessageAsync(bob.Address, $"message {i}");
            ids.Add(id);
            await alice.Events.WaitUntilAsync(
                e => e.Of<MessageDeliveredEvent>().Any(d => d.MessageId == id),
                timeoutSeconds: 20,
                what: $"message {i} acked");
        }

        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 10, what: "bob receives all 10");
        Assert.Equal(ids, bob.Events.Of<MessageReceivedEvent>().Select(m => m.Message.Id));
        var stillQueued = await alice.Store.GetOutboxAsync(bob.Id);
        Assert.Empty(stillQueued);
        Assert.Single(await alice.Store.GetOutboxAsync(otherKey.PublicKey));
    }
}
