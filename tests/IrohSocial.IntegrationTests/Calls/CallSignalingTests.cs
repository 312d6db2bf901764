using System.Net;
using IrohSocial.Crypto;
using IrohSocial.IntegrationTests.Calls.Support;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Calls.Internal;
using IrohSocial.Media.Framing;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Calls;

/// <summary>The call state machine between two real nodes: reject, busy, missed, hang-up, failure, refused streams.</summary>
public sealed class CallSignalingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reject_EndsBothSidesAsRejected_WithTheReason()
    {
        await using var nodes = await CallNodes.StartAsync();
        var incoming = new TaskCompletionSource<IncomingCallEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes.Bob.Calls.IncomingCall += (_, e) => incoming.TrySetResult(e);
        var aliceEnded = new TaskCompletionSource<CallEndedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes.Alice.Calls.CallEnded += (_, e) => aliceEnded.TrySetResult(e);

        Call outgoing = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia(), Ct);
        IncomingCallEvent offer = await incoming.Task.WaitAsync(Wait, Ct);
        Assert.Equal((outgoing.Id, nodes.Alice.Id, false), (offer.CallId, offer.Peer, offer.Video));
        Assert.Equal(CallState.Ringing, offer.Call.State);
        await nodes.Bob.Calls.RejectAsync(offer.CallId, "not now", Ct);

        Assert.Equal(CallEndReason.Rejected, await outgoing.Completion.WaitAsync(Wait, Ct));
        Assert.Equal(CallEndReason.Rejected, await offer.Call.Completion.WaitAsync(Wait, Ct));
        CallEndedEvent ended = await aliceEnded.Task.WaitAsync(Wait, Ct);
        Assert.Equal(("not now", TimeSpan.Zero), (ended.Detail, ended.Duration));
        await AssertHistoryAsync(nodes.Alice, outgoing.Id, CallDirection.Outgoing, CallEndReason.Rejected);
        await AssertHistoryAsync(nodes.Bob, outgoing.Id, CallDirection.Incoming, CallEndReason.Rejected);
    }

    [Fact]
    public async Task SecondCallWhileBusy_IsRejectedWithBusy_AndMissedOnTheBusySide()
    {
        await using var nodes = await CallNodes.StartAsync();
        await using var carol = await CallNodes.StartNodeAsync(CallNodes.FastOptions with { RingTimeout = TimeSpan.FromSeconds(20) });
        var answered = CallNodes.AutoAnswer(nodes.Bob, () => new CallMedia());
        Call first = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia(), Ct);
        Call bobsCall = await answered.Task.WaitAsync(Wait, Ct);
        Assert.Equal(CallState.Active, bobsCall.State);

        var carolEnded = new TaskCompletionSource<CallEndedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        carol.Calls.CallEnded += (_, e) => carolEnded.TrySetResult(e);
        Call second = await carol.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia(), Ct);
        Assert.Equal(CallEndReason.Rejected, await second.Completion.WaitAsync(Wait, Ct));
        Assert.Equal("busy", (await carolEnded.Task.WaitAsync(Wait, Ct)).Detail);
        Assert.Equal(CallState.Active, bobsCall.State);
        Assert.Same(bobsCall, nodes.Bob.Calls.CurrentCall);

        await AssertHistoryAsync(carol, second.Id, CallDirection.Outgoing, CallEndReason.Rejected);
        CallRecord missed = Assert.Single(await nodes.Bob.Calls.GetHistoryAsync(cancellationToken: Ct));
        Assert.Equal((second.Id, carol.Id, CallDirection.Incoming, CallEndReason.Missed), (missed.CallId, missed.Peer, missed.Direction, missed.EndedReason));
        await nodes.Alice.Calls.EndAsync(first.Id, Ct);
        Assert.Equal(CallEndReason.Completed, await bobsCall.Completion.WaitAsync(Wait, Ct));
    }

    [Fact]
    public async Task CanceledRightAfterOffering_TheCalleeNeverKeepsRinging()
    {
        // Bob would ring for a minute: only Alice's End, sent right behind her Offer, can end his side.
        await using var nodes = await CallNodes.StartAsync(CallNodes.FastOptions with { RingTimeout = TimeSpan.FromSeconds(60) });
        const int Calls = 10;
        for (var i = 0; i < Calls; i++)
        {
            Call outgoing = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia(), Ct);
            await nodes.Alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Missed, await outgoing.Completion.WaitAsync(Wait, Ct));
        }

        // Every offer reached Bob and ended as missed there; an End handled before its Offer would leave one ringing
        // (and make the following offers "busy").
        var deadline = DateTime.UtcNow + Wait;
        IReadOnlyList<CallRecord> history;
        while ((history = await nodes.Bob.Calls.GetHistoryAsync(cancellationToken: Ct)).Count < Calls || nodes.Bob.Calls.CurrentCall is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Bob has {history.Count} of {Calls} calls in his history; current call: {nodes.Bob.Calls.CurrentCall?.State}");
            await Task.Delay(50, Ct);
        }

        Assert.All(history, r => Assert.Equal((CallDirection.Incoming, CallEndReason.Missed), (r.Direction, r.EndedReason)));
    }

    [Fact]
    public async Task OfferFromThePeerStillRinging_ReplacesThatRing_InsteadOfBusy()
    {
        // The End of Alice's first call is lost (she sends the second Offer by hand, as if the End were still on its
        // way): her new call replaces the ring, and the first is a missed call on Bob's side.
        await using var nodes = await CallNodes.StartAsync(CallNodes.FastOptions with { RingTimeout = TimeSpan.FromSeconds(60) });
        var ringing = new List<Call>();
        var secondRings = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes.Bob.Calls.IncomingCall += (_, e) =>
        {
            lock (ringing)
            {
                ringing.Add(e.Call);
                if (ringing.Count == 2)
                {
                    secondRings.TrySetResult(e.Call);
                }
            }
        };
        Call first = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia(), Ct);
        var deadline = DateTime.UtcNow + Wait;
        while (nodes.Bob.Calls.CurrentCall is not { State: CallState.Ringing })
        {
            Assert.True(DateTime.UtcNow < deadline, "Bob never rang for the first call");
            await Task.Delay(20, Ct);
        }

        var secondId = Guid.NewGuid().ToString();
        await nodes.Alice.Messages.SendControlAsync(
            nodes.Bob.Id,
            CallSignal.Control,
            new CallSignal(secondId, CallSignalKind.Offer, AudioCodec: "opus", MediaKey: new byte[32]),
            cancellationToken: Ct);

        Call second = await secondRings.Task.WaitAsync(Wait, Ct);
        Assert.Equal(secondId, second.Id);
        Assert.Equal(CallEndReason.Missed, await ringing[0].Completion.WaitAsync(Wait, Ct));
        Assert.Equal(first.Id, ringing[0].Id);
        Assert.Same(second, nodes.Bob.Calls.CurrentCall);
        Assert.Equal(CallState.Ringing, second.State);
        await AssertHistoryAsync(nodes.Bob, first.Id, CallDirection.Incoming, CallEndReason.Missed);

        // A different caller still hears "busy" while Bob rings.
        await using var carol = await CallNodes.StartNodeAsync(CallNodes.FastOptions);
        Call carols = await carol.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia(), Ct);
        Assert.Equal(CallEndReason.Rejected, await carols.Completion.WaitAsync(Wait, Ct));
        Assert.Same(second, nodes.Bob.Calls.CurrentCall);
    }

    [Fact]
    public async Task Unanswered_RingTimeout_EndsBothSidesAsMissed()
    {
        // A short ring (the shared options ring long enough for a slow first connection on a loaded machine).
        await using var nodes = await CallNodes.StartAsync(CallNodes.FastOptions with { RingTimeout = TimeSpan.FromSeconds(2) });
        var ringing = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes.Bob.Calls.IncomingCall += (_, e) => ringing.TrySetResult(e.Call);

        Call outgoing = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia(), Ct);
        Call incoming = await ringing.Task.WaitAsync(Wait, Ct);
        Assert.Equal(CallEndReason.Missed, await outgoing.Completion.WaitAsync(Wait, Ct));
        Assert.Equal(CallEndReason.Missed, await incoming.Completion.WaitAsync(Wait, Ct));
        Assert.Equal(TimeSpan.Zero, outgoing.Elapsed);
        await AssertHistoryAsync(nodes.Alice, outgoing.Id, CallDirection.Outgoing, CallEndReason.Missed);
        await AssertHistoryAsync(nodes.Bob, outgoing.Id, CallDirection.Incoming, CallEndReason.Missed);
        await Assert.ThrowsAsync<InvalidOperationException>(() => nodes.Bob.Calls.AnswerAsync(outgoing.Id, new CallMedia(), Ct));
    }

    [Fact]
    public async Task CalleeHangsUp_BothSidesCompleted_WithDuration()
    {
        await using var nodes = await CallNodes.StartAsync();
        var offered = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes.Bob.Calls.IncomingCall += (_, e) => offered.TrySetResult(e.Call);
        var answered = CallNodes.AutoAnswer(nodes.Bob, () => new CallMedia());
        var aliceAnswered = new TaskCompletionSource<CallAnsweredEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes.Alice.Calls.CallAnswered += (_, e) => aliceAnswered.TrySetResult(e);
        Call outgoing = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia(), Ct);
        Call incoming = await answered.Task.WaitAsync(Wait, Ct);
        await aliceAnswered.Task.WaitAsync(Wait, Ct);
        Assert.Equal(CallState.Active, outgoing.State);
        Assert.Same(await offered.Task, incoming); // the Call from IncomingCall is the call that gets answered

        // Wait until audio flows both ways before hanging up.
        while (incoming.Counters.AudioFramesPlayed < 25 || outgoing.Counters.AudioFramesPlayed < 25)
        {
            await Task.Delay(50, Ct);
        }

        await nodes.Bob.Calls.EndAsync(incoming.Id, Ct);
        Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
        Assert.Equal(CallEndReason.Completed, await outgoing.Completion.WaitAsync(Wait, Ct));
        Assert.Equal(CallState.Ended, outgoing.State);
        CallRecord aliceRow = await AssertHistoryAsync(nodes.Alice, outgoing.Id, CallDirection.Outgoing, CallEndReason.Completed);
        CallRecord bobRow = await AssertHistoryAsync(nodes.Bob, outgoing.Id, CallDirection.Incoming, CallEndReason.Completed);
        Assert.True(aliceRow.Duration >= TimeSpan.FromMilliseconds(400), $"duration {aliceRow.Duration}");
        Assert.True(bobRow.Duration >= TimeSpan.FromMilliseconds(400), $"duration {bobRow.Duration}");
        Assert.Equal(aliceRow.Duration, outgoing.Elapsed);
    }

    [Fact]
    public async Task PeerVanishes_CallEndsAsFailedAfterTheReconnectWindow()
    {
        var log = new TestLog();
        await using var alice = await CallNodes.StartNodeAsync(CallNodes.FastOptions, log.Factory("alice"));
        var bob = await CallNodes.StartNodeAsync(CallNodes.FastOptions, log.Factory("bob"));
        try
        {
            var answered = CallNodes.AutoAnswer(bob, () => new CallMedia());
            Call outgoing = await alice.Calls.StartCallAsync(bob.Addr, new CallMedia(), Ct);
            await answered.Task.WaitAsync(Wait, Ct);
            while (outgoing.Counters.AudioFramesPlayed < 10)
            {
                await Task.Delay(50, Ct);
            }

            // Disposing a node drops its connections without an End signal, as a crash or network loss would.
            await bob.DisposeAsync();
            Assert.Equal(CallEndReason.Failed, await outgoing.Completion.WaitAsync(Wait, Ct));
            await AssertHistoryAsync(alice, outgoing.Id, CallDirection.Outgoing, CallEndReason.Failed);
        }
        finally
        {
            await bob.DisposeAsync();
            log.Dump();
        }
    }

    [Fact]
    public async Task StreamForUnknownCall_IsRefusedAndTheConnectionClosed()
    {
        await using var nodes = await CallNodes.StartAsync();
        await using var stranger = await Endpoint.BindAsync(new EndpointOptions { SecretKey = SecretKey.Generate(), BindAddress = new IPEndPoint(IPAddress.Loopback, 0) }, Ct);
        await using Connection connection = await stranger.ConnectAsync(nodes.Bob.Addr, Alpns.Calls, Ct);
        await using TransportStream stream = await connection.OpenUnidirectionalStreamAsync(Ct);
        await new MediaStreamPreamble(Guid.NewGuid(), MediaStreamKind.Audio).WriteAsync(stream, Ct);

        await connection.Closed.WaitAsync(Wait, Ct);
        Assert.Equal(1, nodes.Bob.Calls.RefusedStreams);
        Assert.Empty(await nodes.Bob.Calls.GetHistoryAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task StreamFromAnotherPeerForAnActiveCall_IsRefused()
    {
        await using var nodes = await CallNodes.StartAsync();
        var answered = CallNodes.AutoAnswer(nodes.Bob, () => new CallMedia());
        Call outgoing = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia(), Ct);
        Call incoming = await answered.Task.WaitAsync(Wait, Ct);

        await using var stranger = await Endpoint.BindAsync(new EndpointOptions { SecretKey = SecretKey.Generate(), BindAddress = new IPEndPoint(IPAddress.Loopback, 0) }, Ct);
        await using Connection connection = await stranger.ConnectAsync(nodes.Bob.Addr, Alpns.Calls, Ct);
        await using TransportStream stream = await connection.OpenUnidirectionalStreamAsync(Ct);
        await new MediaStreamPreamble(Guid.Parse(outgoing.Id), MediaStreamKind.Control).WriteAsync(stream, Ct);

        await connection.Closed.WaitAsync(Wait, Ct);
        Assert.Equal(1, nodes.Bob.Calls.RefusedStreams);
        Assert.Equal(CallState.Active, incoming.State);
        await nodes.Alice.Calls.EndAsync(outgoing.Id, Ct);
        Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
    }

    private static async Task<CallRecord> AssertHistoryAsync(IrohSocialNode node, string callId, CallDirection direction, CallEndReason reason)
    {
        CallRecord row = Assert.Single(await node.Calls.GetHistoryAsync(cancellationToken: Ct));
        Assert.Equal((callId, direction, reason), (row.CallId, row.Direction, row.EndedReason));
        Assert.False(row.HadVideo);
        return row;
    }
}
