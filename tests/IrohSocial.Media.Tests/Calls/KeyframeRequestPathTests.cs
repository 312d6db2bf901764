using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Video;
using IrohSocial.Transport;

namespace IrohSocial.Media.Tests.Calls;

/// <summary>
/// The keyframe request of a live call, end to end over loopback: the receiving leg's request (what it sends by itself
/// after a sequence gap, an undecodable frame or a bad seal; those decisions are covered by VideoReceiverTests) travels
/// on the call's control path and the peer answers it with a keyframe. Over TCP or QUIC streams nothing creates those
/// triggers between two honest peers, so the test asks through the leg directly.
/// </summary>
public sealed class KeyframeRequestPathTests
{
    public KeyframeRequestPathTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARequestFromTheReceivingLeg_ReachesTheSender_WhichAnswersWithAKeyframe()
    {
        var options = new CallOptions { RingTimeout = TimeSpan.FromSeconds(15), ConnectTimeout = TimeSpan.FromSeconds(2) };
        await using var alice = await StartNodeAsync(options);
        await using var bob = await StartNodeAsync(options);
        await using var camera = new TestPatternSource(new VideoFormat(320, 240, 15));
        var answered = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Calls.IncomingCall += async (_, e) => answered.TrySetResult(await bob.Calls.AnswerAsync(e.CallId, new CallMedia()));
        Call outgoing = await alice.Calls.StartCallAsync(bob.Addr, new CallMedia { VideoSource = camera, Video = true }, Ct);
        Call incoming = await answered.Task.WaitAsync(Wait, Ct);
        await WaitUntilAsync(() => incoming.Counters.VideoFramesDecoded >= 10);
        Assert.Equal(0, outgoing.Counters.KeyframeRequestsReceived);

        await incoming.Core.Leg!.RequestKeyframeAsync();

        await WaitUntilAsync(() => outgoing.Counters.KeyframeRequestsHonoured == 1);
        Assert.Equal(1, incoming.Counters.KeyframeRequestsSent);
        Assert.Equal(1, outgoing.Counters.KeyframeRequestsReceived);
        long decoded = incoming.Counters.VideoFramesDecoded;
        await WaitUntilAsync(() => incoming.Counters.VideoFramesDecoded >= decoded + 5); // the stream goes on decoding
        await alice.Calls.EndAsync(outgoing.Id, Ct);
    }

    private static Task<IrohSocialNode> StartNodeAsync(CallOptions options) =>
        IrohSocialNode.StartAsync(new IrohSocialNodeOptions
        {
            SecretKey = SecretKey.Generate(),
            BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
            Provider = TransportProvider.TcpTls,
            Extensions = [new CallsExtension(options)],
        });

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
