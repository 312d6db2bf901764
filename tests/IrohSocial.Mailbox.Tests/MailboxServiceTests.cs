using IrohSocial.Crypto;
using IrohSocial.Mailbox.Internal;
using IrohSocial.Transport;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Mailbox.Tests;

public sealed class MailboxServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static byte[] Blob(int size, byte fill = 0x5a) => Enumerable.Repeat(fill, size).ToArray();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Deposit_ListGetAck_RoundTripsAndRetryGivesExists(bool sqlite)
    {
        await using var host = await MailboxHost.StartAsync(sqlite: sqlite);
        await using var bob = await Dialer.StartAsync(host.Address);
        await using var alice = await Dialer.StartAsync(host.Address);

        Assert.Equal(DepositResult.Stored, await alice.Client.DepositAsync(bob.Id, "m1", Day, Blob(1024, 1), Ct));
        Assert.Equal(DepositResult.Stored, await alice.Client.DepositAsync(bob.Id, "m2", Day, Blob(1024, 2), Ct));
        // A retry (say after a lost answer) changes nothing.
        Assert.Equal(DepositResult.Exists, await alice.Client.DepositAsync(bob.Id, "m1", Day, Blob(1024, 9), Ct));

        var listed = await bob.Client.ListAsync(cancellationToken: Ct);
        Assert.Equal(["m1", "m2"], listed.Select(e => e.Key.Id));
        Assert.All(listed, e => Assert.Equal(alice.Id, e.Key.Depositor));
        Assert.Equal(Blob(1024, 1), await bob.Client.GetAsync(listed[0].Key, Ct));
        Assert.Equal(new MailboxStats(2, 2048, null), await bob.Client.GetStatsAsync(Ct));

        Assert.Equal(2, await bob.Client.AckAsync([.. listed.Select(e => e.Key)], Ct));
        Assert.Empty(await bob.Client.ListAsync(cancellationToken: Ct));
        Assert.Null(await bob.Client.GetAsync(listed[0].Key, Ct));
    }

    [Fact]
    public async Task OwnerOperations_SeeOnlyTheAskersOwnMailbox()
    {
        await using var host = await MailboxHost.StartAsync(sqlite: false);
        await using var bob = await Dialer.StartAsync(host.Address);
        await using var mallory = await Dialer.StartAsync(host.Address);
        await using var alice = await Dialer.StartAsync(host.Address);
        await alice.Client.DepositAsync(bob.Id, "m1", Day, Blob(100), Ct);
        var key = new MailboxItemKey(alice.Id, "m1");

        // Mallory asks with Bob's keys in hand but her own TLS identity: she sees her own (empty) mailbox only.
        Assert.Empty(await mallory.Client.ListAsync(cancellationToken: Ct));
        Assert.Null(await mallory.Client.GetAsync(key, Ct));
        Assert.Equal(0, await mallory.Client.AckAsync([key], Ct));
        Assert.Single(await bob.Client.ListAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task Strangers_AreRefused_WhenTheHostServesOnlyItsOwners()
    {
        var bobKey = SecretKey.Generate();
        await using var host = await MailboxHost.StartAsync(o => o with { Owners = [bobKey.PublicKey] }, sqlite: false);
        await using var bob = await Dialer.StartAsync(host.Address, bobKey);
        await using var stranger = await Dialer.StartAsync(host.Address);

        var list = await Assert.ThrowsAsync<MailboxException>(() => stranger.Client.ListAsync(cancellationToken: Ct));
        Assert.Equal(MailboxRefusal.NoMailbox, list.Refusal);
        var watch = await Assert.ThrowsAsync<MailboxException>(async () => await stranger.Client.WatchAsync(Ct).GetAsyncEnumerator(Ct).MoveNextAsync());
        Assert.Equal(MailboxRefusal.NoMailbox, watch.Refusal);
        var deposit = await Assert.ThrowsAsync<MailboxException>(() => bob.Client.DepositAsync(stranger.Id, "x", Day, Blob(10), Ct));
        Assert.Equal(MailboxRefusal.NoMailbox, deposit.Refusal);
        // The owner's own mailbox takes deposits from anyone by default.
        Assert.Equal(DepositResult.Stored, await stranger.Client.DepositAsync(bob.Id, "x", Day, Blob(10), Ct));
    }

    [Fact]
    public async Task Depositors_OutsideTheOwnersList_AreRefused()
    {
        await using var host = await MailboxHost.StartAsync(sqlite: true);
        await using var bob = await Dialer.StartAsync(host.Address);
        await using var alice = await Dialer.StartAsync(host.Address);
        await using var mallory = await Dialer.StartAsync(host.Address);

        await bob.Client.SetAllowedDepositorsAsync([alice.Id], Ct);
        Assert.Equal([alice.Id], (await bob.Client.GetStatsAsync(Ct)).AllowedDepositors);
        var refused = await Assert.ThrowsAsync<MailboxException>(() => mallory.Client.DepositAsync(bob.Id, "spam", Day, Blob(10), Ct));
        Assert.Equal(MailboxRefusal.NotAllowed, refused.Refusal);
        Assert.Equal(DepositResult.Stored, await alice.Client.DepositAsync(bob.Id, "hi", Day, Blob(10), Ct));

        await bob.Client.SetAllowedDepositorsAsync(null, Ct);
        Assert.Equal(DepositResult.Stored, await mallory.Client.DepositAsync(bob.Id, "now-ok", Day, Blob(10), Ct));
    }

    [Fact]
    public async Task SizeAndQuotas_AreEnforced_PerDepositorPerOwnerAndInTotal()
    {
        await using var host = await MailboxHost.StartAsync(o => o with { MaxBlobSize = 2000, MaxBytesPerDepositor = 3000, MaxBytesPerOwner = 5000, MaxTotalBytes = 7000 }, sqlite: true);
        await using var bob = await Dialer.StartAsync(host.Address);
        await using var carol = await Dialer.StartAsync(host.Address);
        await using var alice = await Dialer.StartAsync(host.Address);
        await using var dave = await Dialer.StartAsync(host.Address);

        Assert.Equal(MailboxRefusal.TooLarge, (await Assert.ThrowsAsync<MailboxException>(() => alice.Client.DepositAsync(bob.Id, "big", Day, Blob(2001), Ct))).Refusal);
        await alice.Client.DepositAsync(bob.Id, "a1", Day, Blob(2000), Ct);
        // Alice's share of Bob's mailbox is full; Dave's is not.
        Assert.Equal(MailboxRefusal.Quota, (await Assert.ThrowsAsync<MailboxException>(() => alice.Client.DepositAsync(bob.Id, "a2", Day, Blob(1001), Ct))).Refusal);
        await dave.Client.DepositAsync(bob.Id, "d1", Day, Blob(2000), Ct);
        await dave.Client.DepositAsync(bob.Id, "d2", Day, Blob(1000), Ct);
        // Bob's mailbox is full (5000).
        Assert.Equal(MailboxRefusal.Quota, (await Assert.ThrowsAsync<MailboxException>(() => alice.Client.DepositAsync(bob.Id, "a3", Day, Blob(1), Ct))).Refusal);
        await alice.Client.DepositAsync(carol.Id, "c1", Day, Blob(2000), Ct);
        // The host is full (7000).
        Assert.Equal(MailboxRefusal.Quota, (await Assert.ThrowsAsync<MailboxException>(() => dave.Client.DepositAsync(carol.Id, "c2", Day, Blob(1), Ct))).Refusal);
        // Acknowledging frees room.
        await bob.Client.AckAsync([new MailboxItemKey(dave.Id, "d1")], Ct);
        Assert.Equal(DepositResult.Stored, await dave.Client.DepositAsync(carol.Id, "c2", Day, Blob(1), Ct));
    }

    [Fact]
    public async Task Deposits_OverTheRate_AreRefusedUntilTimePasses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(57));
        await using var host = await MailboxHost.StartAsync(o => o with { TimeProvider = time, DepositsPerSecond = 1, DepositBurst = 3 }, sqlite: false);
        await using var bob = await Dialer.StartAsync(host.Address);
        await using var alice = await Dialer.StartAsync(host.Address);
        await using var carol = await Dialer.StartAsync(host.Address);

        for (var i = 0; i < 3; i++)
        {
            await alice.Client.DepositAsync(bob.Id, $"m{i}", Day, Blob(10), Ct);
        }

        Assert.Equal(MailboxRefusal.Rate, (await Assert.ThrowsAsync<MailboxException>(() => alice.Client.DepositAsync(bob.Id, "m3", Day, Blob(10), Ct))).Refusal);
        // Others have their own bucket.
        await carol.Client.DepositAsync(bob.Id, "c0", Day, Blob(10), Ct);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DepositResult.Stored, await alice.Client.DepositAsync(bob.Id, "m3", Day, Blob(10), Ct));
    }

    [Fact]
    public async Task ExpiredBlobs_AreHiddenAndSwept_OnTheServiceClock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(57));
        await using var host = await MailboxHost.StartAsync(o => o with { TimeProvider = time, SweepInterval = TimeSpan.FromMinutes(1), MaxTimeToLive = TimeSpan.FromHours(2) }, sqlite: true);
        await using var bob = await Dialer.StartAsync(host.Address);
        await using var alice = await Dialer.StartAsync(host.Address);

        await alice.Client.DepositAsync(bob.Id, "short", TimeSpan.FromMinutes(30), Blob(10), Ct);
        // Asked for a week; the host keeps it at most two hours.
        await alice.Client.DepositAsync(bob.Id, "long", TimeSpan.FromDays(7), Blob(10), Ct);
        var listed = await bob.Client.ListAsync(cancellationToken: Ct);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(2), listed.Single(e => e.Key.Id == "long").ExpiresAt);

        time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(["long"], (await bob.Client.ListAsync(cancellationToken: Ct)).Select(e => e.Key.Id));
        time.Advance(TimeSpan.FromHours(2));
        // The timer's sweep deletes the rows themselves (not just hides them).
        await WaitUntilAsync(async () => (await host.Store.RemoveExpiredAsync(DateTimeOffset.MinValue)) == 0
            && (await host.Store.ListAsync(bob.Id, DateTimeOffset.MinValue, 10)).Count == 0);
    }

    [Fact]
    public async Task Restart_KeepsEverything()
    {
        var host = await MailboxHost.StartAsync(sqlite: true);
        try
        {
            var bobKey = SecretKey.Generate();
            await using (var alice = await Dialer.StartAsync(host.Address))
            {
                await alice.Client.DepositAsync(bobKey.PublicKey, "m1", Day, Blob(1024, 7), Ct);
                await using var bob0 = await Dialer.StartAsync(host.Address, bobKey);
                await bob0.Client.SetAllowedDepositorsAsync([alice.Id], Ct);
            }

            await host.StopAsync();
            await host.StartAsync();
            await using var bob = await Dialer.StartAsync(host.Address, bobKey);
            var entry = Assert.Single(await bob.Client.ListAsync(cancellationToken: Ct));
            Assert.Equal(Blob(1024, 7), await bob.Client.GetAsync(entry.Key, Ct));
            Assert.NotNull((await bob.Client.GetStatsAsync(Ct)).AllowedDepositors);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Watch_PushesEveryNewDeposit()
    {
        await using var host = await MailboxHost.StartAsync(sqlite: false);
        await using var bob = await Dialer.StartAsync(host.Address);
        await using var alice = await Dialer.StartAsync(host.Address);

        await using var watch = bob.Client.WatchAsync(Ct).GetAsyncEnumerator(Ct);
        var first = watch.MoveNextAsync().AsTask();
        // The watch is live once the host confirmed it; deposit until the first one shows (bounded).
        var sent = 0;
        while (!first.IsCompleted && sent < 50)
        {
            await alice.Client.DepositAsync(bob.Id, $"m{sent++}", Day, Blob(10), Ct);
            await Task.WhenAny(first, Task.Delay(100, Ct));
        }

        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(alice.Id, watch.Current.Depositor);
        await alice.Client.DepositAsync(bob.Id, "last", Day, Blob(10), Ct);
        while (await watch.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct) && watch.Current.Id != "last")
        {
        }

        Assert.Equal("last", watch.Current.Id);
    }

    [Fact]
    public async Task MalformedAndOversizedRequests_AreRefusedAndTheServiceKeepsServing()
    {
        await using var host = await MailboxHost.StartAsync(sqlite: false);
        await using var bob = await Dialer.StartAsync(host.Address);
        await using var connection = await bob.Endpoint.ConnectAsync(host.Address, Alpns.Mailbox, Ct);

        foreach (var garbage in new byte[][] { [0x99], [(byte)MailboxOp.List, 0x00], [(byte)MailboxOp.Get, 1, 2, 3], [(byte)MailboxOp.Stats, 0] })
        {
            await using var stream = await connection.OpenBidirectionalStreamAsync(Ct);
            await new FrameWriter(stream).WriteFrameAsync(garbage, Ct);
            var answer = await new FrameReader(stream).ReadFrameAsync(Ct);
            Assert.Equal(MailboxWire.Refused(MailboxRefusal.BadRequest), answer);
        }

        // A frame over the limit is refused by its length alone: the stream is aborted, nothing is read.
        await using (var stream = await connection.OpenBidirectionalStreamAsync(Ct))
        {
            var header = new byte[] { 0x7f, 0xff, 0xff, 0xff };
            await stream.WriteAsync(header, Ct);
            await Assert.ThrowsAnyAsync<Exception>(async () => _ = await new FrameReader(stream).ReadFrameAsync(Ct) ?? throw new EndOfStreamException());
        }

        Assert.Empty(await bob.Client.ListAsync(cancellationToken: Ct));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(50, Ct);
        }
    }
}
