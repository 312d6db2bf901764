using System.Buffers.Binary;
using IrohSocial.Crypto;
using IrohSocial.Hardening.Tests.Faults;
using IrohSocial.IntegrationTests.Calls.Support;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Video;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Calls;

/// <summary>
/// Over the TCP transport a call's video travels on its own call/1 connection (CallOptions.SeparateVideoConnection),
/// so audio never queues behind video in one TCP byte stream. A fault proxy in front of the callee counts the connections.
/// </summary>
[Collection(nameof(RealTimeMediaCollection))]
public sealed class VideoConnectionTests
{
    public VideoConnectionTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task VideoInBothDirections_TravelsOnASecondConnection_ClosedWithTheCall()
    {
        await CallNodes.WithProxiedPairAsync(async (log, alice, bob, proxy) =>
        {
            var (outgoing, incoming, aliceSees, bobSees) = await StartVideoCallAsync(alice, bob, proxy);
            await WaitUntilAsync(() => aliceSees.Frames >= 10 && bobSees.Frames >= 10);

            Assert.Equal(3, proxy.AcceptedConnections); // the DM connection (signals), the call connection and the video connection
            Assert.True(log.Contains("video connection of leg 0 up"));
            Assert.False(log.Contains("video shares the call connection"));

            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
            await WaitUntilAsync(() => proxy.OpenConnections <= 1); // the DM connection may stay open
        });
    }

    [Fact]
    public async Task WithTheOptionOff_VideoSharesTheCallConnection()
    {
        var options = CallNodes.FastOptions with { SeparateVideoConnection = false };
        await CallNodes.WithProxiedPairAsync(async (log, alice, bob, proxy) =>
        {
            var (outgoing, incoming, aliceSees, bobSees) = await StartVideoCallAsync(alice, bob, proxy);
            await WaitUntilAsync(() => aliceSees.Frames >= 10 && bobSees.Frames >= 10);
            Assert.Equal(2, proxy.AcceptedConnections); // the DM connection (signals) and the call connection
            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
        }, aliceOptions: options, bobOptions: options);
    }

    [Fact]
    public async Task CalleeExpectingAVideoConnection_FallsBackToTheCallConnection_WhenTheCallerOpensNone()
    {
        await CallNodes.WithProxiedPairAsync(async (log, alice, bob, proxy) =>
        {
            var (outgoing, incoming, aliceSees, bobSees) = await StartVideoCallAsync(alice, bob, proxy);
            await WaitUntilAsync(() => aliceSees.Frames >= 10 && bobSees.Frames >= 10);
            Assert.Equal(2, proxy.AcceptedConnections);
            Assert.True(log.Contains("video shares the call connection"), "bob should have logged the fallback");
            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
        }, aliceOptions: CallNodes.FastOptions with { SeparateVideoConnection = false });
    }

    [Fact]
    public async Task AVideoConnectionArrivingAfterTheCalleeFellBack_IsStillTaken_AndTheLegKept()
    {
        // Bob gives up on the video connection almost at once, and a 150 ms one-way delay makes alice's video connection
        // (dialled after her call connection is up: three more delayed flights) arrive well after his fallback.
        await CallNodes.WithProxiedPairAsync(async (log, alice, bob, proxy) =>
        {
            var (outgoing, incoming, aliceSees, bobSees) = await StartVideoCallAsync(alice, bob, proxy);
            await WaitUntilAsync(() => aliceSees.Frames >= 10 && bobSees.Frames >= 10 && log.Contains("video connection of leg 0 up"));
            Assert.True(log.Contains("video shares the call connection"), "bob should have fallen back first");
            int bobBefore = bobSees.Frames;
            await WaitUntilAsync(() => bobSees.Frames >= bobBefore + 10);

            Assert.Equal(3, proxy.AcceptedConnections); // DM, call and the late video connection: the leg was never restored
            Assert.False(log.Contains("restoring"));
            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
        },
        aliceOptions: CallNodes.FastOptions with { ConnectTimeout = TimeSpan.FromSeconds(10) },
        bobOptions: CallNodes.FastOptions with { ConnectTimeout = TimeSpan.FromMilliseconds(1) },
        plan: new FaultPlan { Delay = TimeSpan.FromMilliseconds(150) });
    }

    [Fact]
    public async Task TheVideoConnectionDroppingAlone_IsDialledAgain_WhileTheAudioGoesOn()
    {
        await CallNodes.WithProxiedPairAsync(async (log, alice, bob, proxy) =>
        {
            var (outgoing, incoming, aliceSees, bobSees) = await StartVideoCallAsync(alice, bob, proxy);
            await WaitUntilAsync(() => aliceSees.Frames >= 5 && bobSees.Frames >= 5 && log.Contains("video connection of leg 0 up"));

            // Cut every connection past 60 kB: only the video connection has carried that much (the DM and call
            // connections carry signals and ~6 kB/s of audio), so it alone is reset.
            proxy.Plan = new FaultPlan { CutAfterBytes = 60_000 };
            await WaitUntilAsync(() => log.Contains("dialling it again"));
            proxy.Plan = FaultPlan.None;
            long playedAtDrop = incoming.Counters.AudioFramesPlayed;
            int aliceBefore = aliceSees.Frames, bobBefore = bobSees.Frames;
            await WaitUntilAsync(() => log.Count("video connection of leg 0 up") >= 4 && aliceSees.Frames >= aliceBefore + 10 && bobSees.Frames >= bobBefore + 10);

            Assert.False(log.Contains("restoring"), "the leg should have been kept");
            Assert.Equal(4, proxy.AcceptedConnections); // DM, call, and the video connection twice
            Assert.True(incoming.Counters.AudioFramesPlayed > playedAtDrop);
            Assert.Equal(CallState.Active, incoming.State);
            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
        });
    }

    [Fact]
    public async Task BothConnectionsReset_TheLegIsRestoredWithANewVideoConnection()
    {
        var options = CallNodes.FastOptions with { ReconnectWindow = TimeSpan.FromSeconds(8) };
        await CallNodes.WithProxiedPairAsync(async (log, alice, bob, proxy) =>
        {
            var (outgoing, incoming, aliceSees, bobSees) = await StartVideoCallAsync(alice, bob, proxy);
            await WaitUntilAsync(() => aliceSees.Frames >= 10 && bobSees.Frames >= 10 && log.Contains("video connection of leg 0 up"));

            long connectionsBefore = proxy.AcceptedConnections;
            proxy.ResetAll();
            int aliceBefore = aliceSees.Frames, bobBefore = bobSees.Frames;
            await WaitUntilAsync(() => proxy.AcceptedConnections >= connectionsBefore + 2 && aliceSees.Frames >= aliceBefore + 10 && bobSees.Frames >= bobBefore + 10);
            Assert.True(log.Contains("video connection of leg 1 up"));
            Assert.Equal(CallState.Active, outgoing.State);
            Assert.Equal(CallState.Active, incoming.State);

            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
        }, aliceOptions: options, bobOptions: options);
    }

    [Theory]
    [InlineData(7u)] // an epoch that never existed
    [InlineData(0u)] // the current leg's, but it already has its video connection
    public async Task VideoLinkFromThePeer_ForAnotherEpochOrASecondTime_IsRefused(uint epoch)
    {
        var aliceKey = SecretKey.Generate();
        await CallNodes.WithProxiedPairAsync(async (log, alice, bob, proxy) =>
        {
            var (outgoing, incoming, aliceSees, bobSees) = await StartVideoCallAsync(alice, bob, proxy);
            await WaitUntilAsync(() => aliceSees.Frames >= 5 && bobSees.Frames >= 5 && log.Contains("video connection of leg 0 up"));

            // A second endpoint with alice's identity (so the peer check passes) names a leg on a fresh connection.
            await using var impostor = await Endpoint.BindAsync(
                new EndpointOptions { SecretKey = aliceKey, BindAddress = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) }, Ct);
            await using Connection connection = await impostor.ConnectAsync(bob.Addr, Alpns.Calls, Ct);
            await using (TransportStream link = await connection.OpenUnidirectionalStreamAsync(Ct))
            {
                var head = new byte[MediaStreamPreamble.Size + 4];
                new MediaStreamPreamble(Guid.Parse(outgoing.Id), MediaStreamKind.VideoLink).WriteTo(head);
                BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(MediaStreamPreamble.Size), epoch);
                await link.WriteAsync(head, Ct);
                await link.FlushAsync(Ct);
            }

            await connection.Closed.WaitAsync(Wait, Ct);
            Assert.Equal(1, bob.Calls.RefusedStreams);
            int bobBefore = bobSees.Frames;
            await WaitUntilAsync(() => bobSees.Frames >= bobBefore + 5); // the real video connection is untouched
            Assert.Equal(CallState.Active, incoming.State);
            await alice.Calls.EndAsync(outgoing.Id, Ct);
            Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
        }, aliceKey: aliceKey);
    }

    /// <summary>Alice calls bob through the proxy; both send a 320x240 test pattern.</summary>
    private static async Task<(Call Outgoing, Call Incoming, CountingVideoSink AliceSees, CountingVideoSink BobSees)> StartVideoCallAsync(
        IrohSocialNode alice, IrohSocialNode bob, FaultProxy proxy)
    {
        var aliceSees = new CountingVideoSink();
        var bobSees = new CountingVideoSink();
        var answered = CallNodes.AutoAnswer(bob, () => new CallMedia { VideoSource = new TestPatternSource(new VideoFormat(320, 240, 15)), Video = true, VideoSink = bobSees });
        Call outgoing = await alice.Calls.StartCallAsync(
            new EndpointAddr(bob.Id, [proxy.EndPoint]),
            new CallMedia { VideoSource = new TestPatternSource(new VideoFormat(320, 240, 15)), Video = true, VideoSink = aliceSees }, Ct);
        Call incoming = await answered.Task.WaitAsync(Wait, Ct);
        return (outgoing, incoming, aliceSees, bobSees);
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
