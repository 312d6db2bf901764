using System.Net;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Relay;
using IrohSocial.Transport;

namespace IrohSocial.Mailbox.Tests;

/// <summary>Three nodes (Alice, Bob, a mailbox host) that are never all online together, on loopback and through a relay.</summary>
public sealed class MailboxFlowTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Canary = "canary-5e1f-never-in-the-mailbox-file";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NeverOnlineTogether_EveryMessageArrivesOnceInOrder_AndTurnsDelivered(bool throughRelay)
    {
        await using var relay = throughRelay ? await StartRelayAsync() : null;
        IReadOnlyList<RelayAddress> relays = relay is null ? [] : [relay.Address];
        await using var host = await MailboxHost.StartAsync(relays: relays);
        // Through the relay the mailbox is reached only there (no direct address).
        var mailbox = throughRelay ? host.Address with { DirectAddresses = [] } : host.Address;
        await using var alice = new DmPeer("alice", mailbox, relays);
        await using var bob = new DmPeer("bob", mailbox, relays);

        // Alice writes while Bob is away: every message ends in Bob's mailbox, none waits in her outbox.
        await alice.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await alice.C.SendMessageAsync(bob.Address, i == 2 ? Canary : $"m{i}", cancellationToken: Ct));
        }

        await WaitUntilAsync(() => alice.Events.OfType<MessageDepositedEvent>().Count() == 5, "alice deposits all five");
        Assert.Empty(await alice.C.GetOutboxAsync(Ct));
        Assert.All(await alice.C.GetMessagesAsync(bob.Id, cancellationToken: Ct), m => Assert.Equal(MessageStatus.Deposited, m.Status));
        Assert.Equal(5, (await host.Store.ListAsync(bob.Id, DateTimeOffset.UtcNow, 100)).Count);
        AssertNoFileContains(host.Folder, Canary);
        await alice.StopAsync();

        // Bob comes online after Alice left: he gets each message once, in order, and his mailbox empties.
        await bob.StartAsync();
        await WaitUntilAsync(() => bob.Events.OfType<MessageReceivedEvent>().Count() >= 5, "bob receives all five");
        await WaitUntilAsync(async () => (await host.Store.ListAsync(bob.Id, DateTimeOffset.UtcNow, 100)).Count == 0, "bob's mailbox is empty");
        Assert.Equal(0, await bob.C.FetchMailboxAsync(Ct));
        var received = bob.Events.OfType<MessageReceivedEvent>().Select(e => e.Message.Id).ToList();
        Assert.Equal(ids, received);
        Assert.Equal(ids, (await bob.C.GetMessagesAsync(alice.Id, cancellationToken: Ct)).Select(m => m.Id));

        // Alice is away, so Bob's receipt goes to her mailbox (her address came with the deposits).
        await WaitUntilAsync(async () => (await bob.C.GetOutboxAsync(Ct)).Count == 0, "bob's receipt leaves his outbox");
        Assert.Single(await host.Store.ListAsync(alice.Id, DateTimeOffset.UtcNow, 100));
        await bob.StopAsync();

        // Alice comes back while Bob is away and learns that everything was delivered.
        await alice.StartAsync();
        await WaitUntilAsync(() => alice.Events.OfType<MessageDeliveredEvent>().Count() >= 5, "alice sees delivered");
        Assert.Equal(ids.Order(), alice.Events.OfType<MessageDeliveredEvent>().Select(e => e.MessageId).Order());
        Assert.All(await alice.C.GetMessagesAsync(bob.Id, cancellationToken: Ct), m => Assert.Equal(MessageStatus.Delivered, m.Status));
        await WaitUntilAsync(async () => (await host.Store.ListAsync(alice.Id, DateTimeOffset.UtcNow, 100)).Count == 0, "alice's mailbox is empty");
        // The receipt itself is not answered with another receipt (no ping-pong between mailboxes).
        Assert.Empty(await alice.C.GetOutboxAsync(Ct));
        Assert.Empty(await host.Store.ListAsync(bob.Id, DateTimeOffset.UtcNow, 100));
        AssertNoFileContains(host.Folder, Canary);
    }

    [Fact]
    public async Task MailboxAndDirect_Interleaved_DecryptOnceWithinTheSkipWindow()
    {
        await using var host = await MailboxHost.StartAsync(sqlite: false);
        await using var alice = new DmPeer("alice", host.Address);
        await using var bob = new DmPeer("bob", host.Address);
        await alice.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await alice.C.SendMessageAsync(bob.Address, $"late {i}", cancellationToken: Ct));
        }

        await WaitUntilAsync(() => alice.Events.OfType<MessageDepositedEvent>().Count() == 3, "alice deposits three");

        // Bob comes up without fetching his mailbox; the next messages arrive directly, ahead of the deposited ones.
        await bob.StartAsync(useMailbox: false);
        for (var i = 3; i < 5; i++)
        {
            ids.Add(await alice.C.SendMessageAsync(bob.Address, $"direct {i}", cancellationToken: Ct));
        }

        await WaitUntilAsync(() => bob.Events.OfType<MessageReceivedEvent>().Count() == 2, "bob receives the direct ones");
        await bob.StopAsync();
        var deposited = new List<Mailbox.Storage.MailboxBlob>();
        foreach (var entry in await host.Store.ListAsync(bob.Id, DateTimeOffset.UtcNow, 100))
        {
            deposited.Add(new(bob.Id, entry.Key, (await host.Store.GetAsync(bob.Id, entry.Key, DateTimeOffset.UtcNow))!, entry.DepositedAt, entry.ExpiresAt));
        }

        // Now the old ones come out of the mailbox: each decrypts with a skipped key, exactly once.
        await bob.StartAsync();
        await WaitUntilAsync(() => bob.Events.OfType<MessageReceivedEvent>().Count() >= 3, "bob receives the deposited ones");
        await WaitUntilAsync(async () => (await host.Store.ListAsync(bob.Id, DateTimeOffset.UtcNow, 100)).Count == 0, "bob's mailbox is empty");
        Assert.Equal(ids, (await bob.C.GetMessagesAsync(alice.Id, cancellationToken: Ct)).Select(m => m.Id));
        Assert.Equal(ids[..3], bob.Events.OfType<MessageReceivedEvent>().Select(e => e.Message.Id));

        // Both are online: the receipt goes straight back and all five are delivered.
        await WaitUntilAsync(async () => (await alice.C.GetMessagesAsync(bob.Id, cancellationToken: Ct)).All(m => m.Status == MessageStatus.Delivered), "alice sees all delivered");

        // The host replays the old blobs: the ratchet refuses them (each key opens once) and nothing changes.
        var quota = new Mailbox.Storage.MailboxQuota(long.MaxValue, long.MaxValue, long.MaxValue);
        foreach (var blob in deposited)
        {
            Assert.Equal(Mailbox.Storage.MailboxPutOutcome.Stored, await host.Store.PutAsync(blob, quota));
        }

        // (The client's own poll may take them first; either way they leave the mailbox and change nothing.)
        await bob.C.FetchMailboxAsync(Ct);
        await WaitUntilAsync(async () => (await host.Store.ListAsync(bob.Id, DateTimeOffset.UtcNow, 100)).Count == 0, "the replays are taken out");
        Assert.Equal(3, bob.Events.OfType<MessageReceivedEvent>().Count());
        Assert.Equal(ids, (await bob.C.GetMessagesAsync(alice.Id, cancellationToken: Ct)).Select(m => m.Id));
    }

    [Fact]
    public async Task HostileDeposits_AreDroppedAndAcknowledged_AndRealOnesStillArrive()
    {
        await using var host = await MailboxHost.StartAsync(sqlite: false);
        await using var alice = new DmPeer("alice");
        await using var bob = new DmPeer("bob", host.Address);
        await bob.StartAsync();
        await using var mallory = await Dialer.StartAsync(host.Address);

        // Not a padded blob; a padded blob that is not a deposit; and a well-formed deposit whose envelope claims to
        // come from Alice (with a hint pointing at Mallory) but was never encrypted by her.
        await mallory.Client.DepositAsync(bob.Id, "junk", TimeSpan.FromHours(1), "xyz"u8.ToArray(), Ct);
        await mallory.Client.DepositAsync(bob.Id, "short", TimeSpan.FromHours(1), MailboxPadding.Pad([0x00]), Ct);
        var forgedHint = Encoding.ASCII.GetBytes(new EndpointAddr(alice.Id, [.. mallory.Endpoint.Addr.DirectAddresses]).ToTicket());
        var forgedEnvelope = Encoding.UTF8.GetBytes(
            $$"""{"sender":"{{alice.Id}}","ratchet_key":"{{Convert.ToBase64String(new byte[32])}}","ephemeral_key":"{{Convert.ToBase64String(Enumerable.Repeat((byte)9, 32).ToArray())}}","message_number":0,"previous_chain_length":0,"ciphertext":"{{Convert.ToBase64String(new byte[40])}}","nonce":"{{Convert.ToBase64String(new byte[12])}}"}""");
        byte[] deposit = [(byte)(forgedHint.Length >> 8), (byte)forgedHint.Length, .. forgedHint, .. forgedEnvelope];
        await mallory.Client.DepositAsync(bob.Id, "forged", TimeSpan.FromHours(1), MailboxPadding.Pad(deposit), Ct);

        await WaitUntilAsync(async () => (await host.Store.ListAsync(bob.Id, DateTimeOffset.UtcNow, 100)).Count == 0, "bob drops the hostile blobs");
        Assert.Empty(bob.Events.OfType<MessageReceivedEvent>());
        // The forged hint was not adopted: Bob still knows no address for Alice.
        Assert.Null(await bob.Store.GetPeerAddressAsync(alice.Id));

        // Bob's client keeps working: a real deposit from Alice arrives.
        await bob.StopAsync();
        await alice.StartAsync();
        var id = await alice.C.SendMessageAsync(bob.Address, "the real one", cancellationToken: Ct);
        await WaitUntilAsync(() => alice.Events.OfType<MessageDepositedEvent>().Any(), "alice deposits");
        await bob.StartAsync();
        await WaitUntilAsync(() => bob.Events.OfType<MessageReceivedEvent>().Any(), "bob receives the real one");
        Assert.Equal(id, Assert.Single(bob.Events.OfType<MessageReceivedEvent>()).Message.Id);
    }

    internal static async Task<RelayHost> StartRelayAsync() => await RelayHost.StartAsync(new RelayHostOptions
    {
        Relay = new RelayServerOptions { Identity = SecretKey.Generate() },
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
    }, Ct);

    internal static void AssertNoFileContains(string folder, string canary)
    {
        var needles = new[] { Encoding.UTF8.GetBytes(canary), Encoding.Unicode.GetBytes(canary) };
        // The store's lock file is empty and held locked by the running host.
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
            }

            Assert.All(needles, n => Assert.True(bytes.AsSpan().IndexOf(n) < 0, $"{Path.GetFileName(file)} contains the canary"));
        }
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, string what) => await WaitUntilAsync(() => Task.FromResult(condition()), what);

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50, Ct);
        }
    }
}
