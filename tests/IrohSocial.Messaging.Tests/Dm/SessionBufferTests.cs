using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>
/// Serialized ratchet sessions hold every key of a conversation: each buffer the client hands to its store (to
/// seal and save) or gets back from it (to restore) is wiped once used, not left to the garbage collector.
/// </summary>
public sealed class SessionBufferTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Exchange_AndRestart_EverySerializedSessionIsWipedAfterUse(bool sqlite)
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite);
        await using var bob = await TestNode.CreateAsync("bob", sqlite);
        var first = await alice.C.SendMessageAsync(bob.Address, "one");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Any(d => d.MessageId == first), what: "alice's message delivered");
        var beforeRestart = bob.Crashing!.SessionBuffers;

        // The restarted client restores its session from the store (a load) before it replies (a save).
        await bob.RestartAsync();
        var reply = await bob.C.SendMessageAsync(alice.Address, "two");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Any(d => d.MessageId == reply), what: "bob's reply delivered");

        var buffers = beforeRestart.Concat(bob.Crashing!.SessionBuffers).Concat(alice.Crashing!.SessionBuffers).ToList();
        Assert.True(buffers.Count >= 5, $"expected saves and a load of sessions, saw {buffers.Count}");
        Assert.Contains(bob.Crashing.SessionBuffers, b => b.Length > 0);

        // Wiping happens right after each commit; the timeout only bounds a commit still finishing.
        await Eventually.WaitAsync(() => Task.FromResult(buffers.All(b => !b.AsSpan().ContainsAnyExcept((byte)0))), "every session buffer wiped");
    }
}
