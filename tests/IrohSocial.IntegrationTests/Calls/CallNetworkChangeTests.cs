using System.Collections.Concurrent;
using IrohSocial.Hardening.Tests.Faults;
using IrohSocial.IntegrationTests.Calls.Support;
using IrohSocial.Media.Calls;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Calls;

/// <summary>
/// A call whose path dies silently (black-holed: no FIN, no RST) while the callee moves to a new address continues with
/// the same call id: the caller notices the dead path from its media, the callee's network change makes its DM client
/// tell the caller the new address (the encrypted <c>peer.address</c> control), and the caller's redial takes it.
/// </summary>
public sealed class CallNetworkChangeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The proxies stand for network paths to bob: TCP proxies for TLS over TCP, UDP proxies for QUIC, whatever this
    // run's transport.
    [Theory]
    [InlineData(TransportProvider.TcpTls)]
    [InlineData(TransportProvider.Quic)]
    public async Task PathBlackHoled_CalleeMovesToANewAddress_CallContinuesWithTheSameId_AndReportsTheAudioGap(TransportProvider provider)
    {
        TestTransport.Require(provider);

        var options = CallNodes.FastOptions with { ReconnectWindow = TimeSpan.FromSeconds(15), DeadPathTimeout = TimeSpan.FromSeconds(2) };
        var log = new TestLog();
        var bobNetwork = new ManualNetworkMonitor();
        try
        {
            await using var alice = await CallNodes.StartNodeAsync(options, log.Factory("alice"), provider: provider);
            await using var bob = await CallNodes.StartNodeAsync(options, log.Factory("bob"), provider: provider, network: bobNetwork);
            await using var oldPath = NetworkPath.Start(provider, bob.Endpoint(), up: true);
            await using var newPath = NetworkPath.Start(provider, bob.Endpoint(), up: false);

            // Contacts: alice reaches bob through the old path only; bob has alice's ticket.
            alice.Messages.AddPeer(new EndpointAddr(bob.Id, [oldPath.EndPoint]));
            bob.Messages.AddPeer(alice.Addr);
            await alice.Messages.SendMessageAsync(bob.Id, "call me?", cancellationToken: Ct);
            await WaitUntilAsync(async () => (await bob.Messages.GetMessagesAsync(alice.Id, cancellationToken: Ct)).Count > 0);

            var reconnected = new ConcurrentQueue<CallReconnectedEvent>();
            alice.Calls.Reconnected += (_, e) => reconnected.Enqueue(e);
            var answered = CallNodes.AutoAnswer(bob, () => new CallMedia());
            Call outgoing = await alice.Calls.StartCallAsync(new EndpointAddr(bob.Id, [oldPath.EndPoint]), new CallMedia(), Ct);
            Call incoming = await answered.Task.WaitAsync(Wait, Ct);
            await WaitUntilAsync(() => Task.FromResult(incoming.Counters.AudioFramesPlayed >= 25 && outgoing.Counters.AudioFramesPlayed >= 25));

            // The old path goes silent (no reset: only the media's silence can tell), a new one comes up, and bob's
            // network reports its new address.
            oldPath.BlackHole();
            newPath.BringUp();
            bobNetwork.Change(newPath.EndPoint);
            long aliceHeard = outgoing.Counters.AudioFramesPlayed;
            long bobHeard = incoming.Counters.AudioFramesPlayed;

            await WaitUntilAsync(() => Task.FromResult(
                outgoing.Counters.AudioFramesPlayed >= aliceHeard + 50 && incoming.Counters.AudioFramesPlayed >= bobHeard + 50
                && outgoing.LatestStats?.LastReconnectionGap is not null && !reconnected.IsEmpty));

            Assert.True(newPath.Carried > 0, "the restored call runs over the new path");
            Assert.Equal(CallState.Active, outgoing.State);
            Assert.Equal(CallState.Active, incoming.State);
            Assert.Equal(outgoing.Id, incoming.Id);
            Assert.Same(outgoing, alice.Calls.CurrentCall);
            var gap = outgoing.LatestStats!.LastReconnectionGap!.Value;
            Assert.InRange(gap, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10)); // generous: a bound, not a benchmark
            Assert.True(outgoing.LatestStats.Reconnections >= 1);
            Assert.True(reconnected.TryPeek(out var first));
            Assert.Equal(outgoing.Id, first.CallId);
            TestContext.Current.TestOutputHelper?.WriteLine($"audio gap at alice: {gap.TotalMilliseconds:0} ms");

            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await outgoing.Completion.WaitAsync(Wait, Ct));
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
        }
        finally
        {
            log.Dump();
        }
    }

    // The caller's own network changes: its call restores at once on the OS event, with no silence to wait for (the
    // dead-path watch is set far beyond the test, so only the change can restore the call in time).
    [Theory]
    [InlineData(TransportProvider.TcpTls)]
    [InlineData(TransportProvider.Quic)]
    public async Task CallerNetworkChanges_CallIsRestoredAtOnceOverTheOtherPath_WithTheSameId(TransportProvider provider)
    {
        TestTransport.Require(provider);

        var options = CallNodes.FastOptions with { ReconnectWindow = TimeSpan.FromSeconds(15), DeadPathTimeout = TimeSpan.FromMinutes(10) };
        var log = new TestLog();
        var aliceNetwork = new ManualNetworkMonitor();
        try
        {
            await using var alice = await CallNodes.StartNodeAsync(options, log.Factory("alice"), provider: provider, network: aliceNetwork);
            await using var bob = await CallNodes.StartNodeAsync(options, log.Factory("bob"), provider: provider);
            await using var oldPath = NetworkPath.Start(provider, bob.Endpoint(), up: true);
            await using var otherPath = NetworkPath.Start(provider, bob.Endpoint(), up: true);
            var reconnected = new TaskCompletionSource<CallReconnectedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            alice.Calls.Reconnected += (_, e) => reconnected.TrySetResult(e);
            var answered = CallNodes.AutoAnswer(bob, () => new CallMedia());
            Call outgoing = await alice.Calls.StartCallAsync(new EndpointAddr(bob.Id, [oldPath.EndPoint, otherPath.EndPoint]), new CallMedia(), Ct);
            Call incoming = await answered.Task.WaitAsync(Wait, Ct);
            await WaitUntilAsync(() => Task.FromResult(incoming.Counters.AudioFramesPlayed >= 25 && outgoing.Counters.AudioFramesPlayed >= 25));
            var carriedBefore = otherPath.Carried; // QUIC's dial race may have sent the other path a datagram or two

            // Alice's interface towards the old path is gone: what was open there goes silent, new dials are refused.
            oldPath.Cut();
            aliceNetwork.Change();

            var restored = await reconnected.Task.WaitAsync(Wait, Ct);
            long heard = outgoing.Counters.AudioFramesPlayed;
            await WaitUntilAsync(() => Task.FromResult(outgoing.Counters.AudioFramesPlayed >= heard + 50));
            Assert.Equal(outgoing.Id, restored.CallId);
            Assert.Equal(outgoing.Id, incoming.Id);
            Assert.Equal(CallState.Active, outgoing.State);
            Assert.True(otherPath.Carried > carriedBefore, "the restored call runs over the other path");
            // Generous, yet far below the transport's idle timeout (30 s), the only other thing that would end the old leg.
            Assert.InRange(restored.AudioGap, TimeSpan.Zero, TimeSpan.FromSeconds(10));
            TestContext.Current.TestOutputHelper?.WriteLine($"audio gap at alice (caller's network changed): {restored.AudioGap.TotalMilliseconds:0} ms");

            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await outgoing.Completion.WaitAsync(Wait, Ct));
        }
        finally
        {
            log.Dump();
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50, Ct);
        }
    }
}
