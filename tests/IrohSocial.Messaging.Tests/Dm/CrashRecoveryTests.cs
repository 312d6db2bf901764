using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>
/// Kills a client at every storage step of an exchange (the store fails and the client is dropped, as if the
/// process died), restarts it on what was committed, and checks nothing is lost, nothing is duplicated and the
/// ratchet sessions still decrypt.
/// </summary>
public sealed class CrashRecoveryTests
{
    public static TheoryData<string, int, bool> CrashPoints()
    {
        // The exchange below makes about 11 writes at Alice and 9 at Bob (each send, each session advance before
        // sending, each receive, each acknowledgement); every one of them is a crash point.
        // In memory, and on SQLite files that are closed and reopened at the "restart".
        var data = new TheoryData<string, int, bool>();
        foreach (var sqlite in new[] { false, true })
        {
            for (var write = 1; write <= 10; write++)
            {
                data.Add("alice", write, sqlite);
            }

            for (var write = 1; write <= 8; write++)
            {
                data.Add("bob", write, sqlite);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public async Task CrashAtStorageStep_NoLossNoDuplicatesSessionsIntact(string victim, int crashAtWrite, bool sqlite)
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite, start: false);
        await using var bob = await TestNode.CreateAsync("bob", sqlite, start: false);
        var crashing = victim == "alice" ? alice : bob;
        await alice.StartAsync(victim == "alice" ? crashAtWrite : int.MaxValue);
        await bob.StartAsync(victim == "bob" ? crashAtWrite : int.MaxValue);

        var fromAlice = new List<string>();
        var fromBob = new List<string>();
        var script = new (TestNode From, TestNode To, List<string> Ids)[]
        {
            (alice, bob, fromAlice), (alice, bob, fromAlice), (bob, alice, fromBob), (alice, bob, fromAlice), (bob, alice, fromBob),
        };

        var step = 0;
        var crashed = false;
        while (step < script.Length)
        {
            var (from, to, ids) = script[step];
            try
            {
                ids.Add(await from.C.SendMessageAsync(to.Address, $"step {step}"));
                step++;
                // Let the exchange progress so the crash can hit the receive and acknowledge steps too.
                await Task.WhenAny(crashing.Crashed(), Eventually.WaitAsync(
                    async () => (await to.Store.GetMessagesAsync(from.Id, 100, null)).Count(m => m.Direction == MessageDirection.Incoming) >= ids.Count, "progress", 20));
            }
            catch (Exception ex) when (ex is SimulatedCrashException || crashing.Crashing!.Crashed.IsCompleted)
            {
                // The step never returned an id: the "user" will send it again after the restart.
            }

            if (crashing.Crashing!.Crashed.IsCompleted && crashing.Client is not null)
            {
                crashed = true;
                await crashing.RestartAsync();
            }
        }

        // Settle with the crash point still armed, so crashes while the last acknowledgements are processed count too.
        await Task.WhenAny(crashing.Crashed(), Eventually.WaitAsync(() => SettledAsync(alice, bob, fromAlice, fromBob), "settled", 20));
        if (crashing.Crashed().IsCompleted)
        {
            crashed = true;
            await crashing.RestartAsync();
        }
        else
        {
            crashing.Crashing!.Disarm();
        }

        Assert.True(crashed, "the crash point lies inside the exchange");
        await Eventually.WaitAsync(() => SettledAsync(alice, bob, fromAlice, fromBob), "every message stored once and both outboxes drained");

        var bobStored = await bob.C.GetMessagesAsync(alice.Id, 100);
        var aliceStored = await alice.C.GetMessagesAsync(bob.Id, 100);
        Assert.Equal(fromAlice, bobStored.Where(m => m.Direction == MessageDirection.Incoming).Select(m => m.Id));
        Assert.Equal(fromBob, aliceStored.Where(m => m.Direction == MessageDirection.Incoming).Select(m => m.Id));
        Assert.All(aliceStored.Where(m => m.Direction == MessageDirection.Outgoing), m => Assert.Equal(MessageStatus.Delivered, m.Status));

        // Sessions still decrypt both ways, with no reset needed.
        var last = await alice.C.SendMessageAsync(bob.Address, "after the crash");
        var lastBack = await bob.C.SendMessageAsync(alice.Address, "after the crash, back");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == last), what: "post-crash message");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == lastBack), what: "post-crash reply");
        Assert.Empty(alice.Events.Of<SessionResetEvent>());
        Assert.Empty(bob.Events.Of<SessionResetEvent>());
    }

    // Reads the inner stores: they stay readable while a client is "dead".
    private static async Task<bool> SettledAsync(TestNode alice, TestNode bob, List<string> fromAlice, List<string> fromBob) =>
        (await bob.Store.GetMessagesAsync(alice.Id, 100, null)).Count(m => m.Direction == MessageDirection.Incoming) == fromAlice.Count
        && (await alice.Store.GetMessagesAsync(bob.Id, 100, null)).Count(m => m.Direction == MessageDirection.Incoming) == fromBob.Count
        && (await alice.Store.GetOutboxAsync(bob.Id)).Count == 0
        && (await bob.Store.GetOutboxAsync(alice.Id)).Count == 0;
}

internal static class CrashExtensions
{
    public static Task Crashed(this TestNode node) => node.Crashing!.Crashed;
}
