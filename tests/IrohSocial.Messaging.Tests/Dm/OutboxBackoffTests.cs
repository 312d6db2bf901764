using IrohSocial.Messaging.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>The outbox's retry schedule runs on the client's TimeProvider, so a fake clock drives it exactly.</summary>
public sealed class OutboxBackoffTests
{
    [Fact]
    public async Task PeerDown_RetriesOnTheBackoffSchedule_DeliversOnceTheClockReachesTheNextAttempt()
    {
        // Starts at the real time: the client's endpoint dates its TLS certificate with this clock too.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var alice = await TestNode.CreateAsync("alice", start: false);
        await using var bob = await TestNode.CreateAsync("bob", start: false);
        await alice.StartAsync(configure: o => o with { TimeProvider = clock, RetryPolicy = OutboxRetryPolicy.Default });
        var t0 = clock.GetUtcNow();

        var id = await alice.C.SendMessageAsync(bob.Address, "are you there?");
        await Eventually.WaitAsync(async () => (await alice.Store.GetOutboxAsync(bob.Id)).Single().Attempts == 1, "first attempt fails");
        Assert.Equal(t0 + TimeSpan.FromSeconds(1), (await alice.Store.GetOutboxAsync(bob.Id)).Single().NextAttemptAt);

        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.WaitAsync(async () => (await alice.Store.GetOutboxAsync(bob.Id)).Single().Attempts == 2, "second attempt fails");
        Assert.Equal(t0 + TimeSpan.FromSeconds(3), (await alice.Store.GetOutboxAsync(bob.Id)).Single().NextAttemptAt);

        clock.Advance(TimeSpan.FromSeconds(2));
        await Eventually.WaitAsync(async () => (await alice.Store.GetOutboxAsync(bob.Id)).Single().Attempts == 3, "third attempt fails");
        Assert.Equal(t0 + TimeSpan.FromSeconds(7), (await alice.Store.GetOutboxAsync(bob.Id)).Single().NextAttemptAt);

        // Bob comes back; nobody flushes and he does not contact Alice: the clock alone triggers the retry.
        await bob.StartAsync();
        clock.Advance(TimeSpan.FromSeconds(4));
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == id), what: "delivered on the fourth attempt");
        await Eventually.WaitAsync(async () => (await alice.Store.GetOutboxAsync(bob.Id)).Count == 0, "outbox drains");
    }
}
