using IrohSocial.Messaging.Tests.Support;
using IrohSocial.Testing;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>The <c>IrohSocial.Messaging</c> meter (docs/observability.md), each client's from its own factory.</summary>
public sealed class MessagingTelemetryTests
{
    [Fact]
    public async Task PeerLosesState_CountsSentReceivedAndTheReinstalledSidesDecryptFailure()
    {
        using var aliceMeters = new RecordingMeterFactory();
        using var bobMeters = new RecordingMeterFactory();
        await using var alice = await TestNode.CreateAsync("alice", start: false);
        await using var bob = await TestNode.CreateAsync("bob", start: false);
        alice.MeterFactory = aliceMeters;
        bob.MeterFactory = bobMeters;
        await alice.StartAsync();
        await bob.StartAsync();

        var before = await alice.C.SendMessageAsync(bob.Address, "before");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1, what: "first message");
        // Bob's acknowledgement is his first reply: until Alice has it her envelopes still carry the session setup, and a
        // reinstalled Bob would start over from the next one instead of failing to decrypt it (flaked in a parallel run).
        await alice.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Any(d => d.MessageId == before), what: "alice sees delivered");
        Assert.Contains(aliceMeters.Measurements("irohsocial.dm.envelopes.sent"), m => m.Value >= 1);
        Assert.Contains(bobMeters.Measurements("irohsocial.dm.envelopes.received"), m => Equals(m.Tags["irohsocial.dm.source"], "stream"));
        aliceMeters.ObserveNow();
        Assert.NotEmpty(aliceMeters.Measurements("irohsocial.dm.outbox.depth"));

        // Bob reinstalls: alice's next envelope is on a session bob no longer has.
        await bob.ReinstallAsync();
        var after = await alice.C.SendMessageAsync(bob.Address, "after reinstall");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == after), what: "message after reinstall");

        var failure = bobMeters.Measurements("irohsocial.dm.envelopes.failed").First(m => Equals(m.Tags["error.type"], "decrypt_failed"));
        Assert.Equal("inbound", failure.Tags["irohsocial.dm.direction"]);
        Assert.Equal("stream", failure.Tags["irohsocial.dm.source"]);
        Assert.DoesNotContain(aliceMeters.All.Concat(bobMeters.All).SelectMany(m => m.Tags.Values), v =>
            (v?.ToString() ?? "").Contains(alice.Id.ToShortString(), StringComparison.OrdinalIgnoreCase)
            || (v?.ToString() ?? "").Contains(bob.Id.ToShortString(), StringComparison.OrdinalIgnoreCase));
    }
}
