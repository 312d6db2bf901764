using IrohSocial.IntegrationTests.Calls.Support;
using IrohSocial.Media.Tests.Support;
using IrohSocial.Media.Calls;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Calls;

/// <summary>A call whose connection is cut (through a fault proxy) is restored within the reconnect window.</summary>
public sealed class CallRestoreTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectionReset_IsRestored_AndAudioKeepsFlowing()
    {
        var options = CallNodes.FastOptions with { ReconnectWindow = TimeSpan.FromSeconds(8) };
        await CallNodes.WithProxiedPairAsync(async (log, alice, bob, proxy) =>
        {
            var answered = CallNodes.AutoAnswer(bob, () => new CallMedia());
            Call outgoing = await alice.Calls.StartCallAsync(new EndpointAddr(bob.Id, [proxy.EndPoint]), new CallMedia(), Ct);
            Call incoming = await answered.Task.WaitAsync(Wait, Ct);
            await WaitUntilAsync(() => incoming.Counters.AudioFramesPlayed >= 25 && outgoing.Counters.AudioFramesPlayed >= 25);
            long connectionsBefore = proxy.AcceptedConnections;

            proxy.ResetAll();
            long playedAtReset = incoming.Counters.AudioFramesPlayed;
            await WaitUntilAsync(() => proxy.AcceptedConnections > connectionsBefore && incoming.Counters.AudioFramesPlayed >= playedAtReset + 50
                && outgoing.Counters.AudioFramesPlayed >= 75);
            Assert.Equal(CallState.Active, outgoing.State);
            Assert.Equal(CallState.Active, incoming.State);

            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
            Assert.Equal(CallEndReason.Completed, await outgoing.Completion.WaitAsync(Wait, Ct));
        }, aliceOptions: options, bobOptions: options);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50, Ct);
        }
    }
}
