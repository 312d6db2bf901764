using IrohSocial.Messaging;
using static IrohSocial.Mailbox.Tests.MailboxFlowTests;

namespace IrohSocial.Mailbox.Tests;

/// <summary>A user's mailbox is part of their address: changing it reaches contacts in the <c>peer.address</c> update.</summary>
public sealed class MailboxChangeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BobChangesHisMailbox_AlicesNextDeposit_GoesToTheNewOne()
    {
        await using var oldHost = await MailboxHost.StartAsync(sqlite: false);
        await using var newHost = await MailboxHost.StartAsync(sqlite: false);
        await using var alice = new DmPeer("alice");
        await using var bob = new DmPeer("bob", oldHost.Address);
        await alice.StartAsync();
        await bob.StartAsync();
        var first = await alice.C.SendMessageAsync(bob.Address, "hello", cancellationToken: Ct);
        await WaitUntilAsync(() => alice.Events.OfType<MessageDeliveredEvent>().Any(e => e.MessageId == first), "the first message is delivered");
        Assert.Equal(oldHost.Address, alice.C.GetKnownAddress(bob.Id)!.Mailbox);

        // Bob moves to another mailbox; his contacts are told in an encrypted address update.
        await bob.C.SetMailboxAsync(newHost.Address, Ct);
        Assert.Equal(newHost.Address, bob.C.LocalAddress.Mailbox);
        await WaitUntilAsync(() => Equals(alice.C.GetKnownAddress(bob.Id)?.Mailbox, newHost.Address), "alice learns bob's new mailbox");
        await WaitUntilAsync(async () => (await bob.C.GetOutboxAsync(Ct)).Count == 0, "the update is acknowledged");

        // Bob goes away: Alice's next message, sent by id alone, is deposited in the new mailbox, not the old one.
        await bob.StopAsync();
        await alice.C.SendMessageAsync(bob.Id, "where are you?", cancellationToken: Ct);
        await WaitUntilAsync(() => alice.Events.OfType<MessageDepositedEvent>().Any(), "alice deposits");
        Assert.Single(await newHost.Store.ListAsync(bob.Id, DateTimeOffset.UtcNow, 100));
        Assert.Empty(await oldHost.Store.ListAsync(bob.Id, DateTimeOffset.UtcNow, 100));

        // Alice restarts: the new mailbox was stored with Bob's address, not only kept in memory.
        await alice.StopAsync();
        await alice.StartAsync();
        Assert.Equal(newHost.Address, alice.C.GetKnownAddress(bob.Id)?.Mailbox ?? await StoredMailboxAsync(alice, bob));
    }

    private static async Task<Transport.EndpointAddr?> StoredMailboxAsync(DmPeer owner, DmPeer peer) =>
        Transport.EndpointAddr.ParseTicket((await owner.Store.GetPeerAddressAsync(peer.Id, Ct))!).Mailbox;
}
