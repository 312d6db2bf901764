using System.Buffers.Binary;
using IrohSocial.IntegrationTests.Calls.Support;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Video;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.IntegrationTests.Calls;

/// <summary>Video calls over real loopback sockets.</summary>
[Collection(nameof(RealTimeMediaCollection))]
public sealed class VideoCallTests
{
    public VideoCallTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task VideoCall_FramesArriveAndDecode_ToggleOffAndOnWorks()
    {
        await using var nodes = await CallNodes.StartAsync();
        await using var camera = new TestPatternSource(new VideoFormat(320, 240, 15));
        var sink = new CountingVideoSink();
        var ivf = new MemoryStream();
        var answered = CallNodes.AutoAnswer(nodes.Bob, () => new CallMedia { VideoSink = sink, ReceivedVideoIvf = ivf });
        var videoStats = new TaskCompletionSource<CallVideoStats>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes.Alice.Calls.StatsUpdated += (_, e) =>
        {
            if (e.Video is { SendFramesPerSecond: > 0 } v)
            {
                videoStats.TrySetResult(v);
            }
        };

        Call outgoing = await nodes.Alice.Calls.StartCallAsync(nodes.Bob.Addr, new CallMedia { VideoSource = camera, Video = true }, Ct);
        Call incoming = await answered.Task.WaitAsync(Wait, Ct);
        Assert.True(outgoing.VideoEnabled);
        await WaitUntilAsync(() => sink.Frames >= 10);
        Assert.Equal((320, 240), sink.LastSize);
        Assert.True(incoming.Counters.VideoFramesDecoded >= 10);
        CallVideoStats stats = await videoStats.Task.WaitAsync(Wait, Ct);
        Assert.Equal((320, 240), (stats.SendWidth, stats.SendHeight));
        Assert.True(stats.SendBitrateKbps > 0);

        await outgoing.SetVideoEnabledAsync(false, Ct);
        Assert.False(outgoing.VideoEnabled);
        await WaitUntilAsync(() => !incoming.PeerVideoEnabled);
        await Task.Delay(300, Ct); // frames written before the toggle may still be in flight
        int paused = sink.Frames;
        long sentWhilePaused = outgoing.Counters.VideoFramesSent;
        await Task.Delay(1000, Ct);
        Assert.Equal(paused, sink.Frames);
        Assert.Equal(sentWhilePaused, outgoing.Counters.VideoFramesSent);

        await outgoing.SetVideoEnabledAsync(true, Ct);
        await WaitUntilAsync(() => incoming.PeerVideoEnabled && sink.Frames >= paused + 10);

        await nodes.Alice.Calls.EndAsync(outgoing.Id, Ct);
        Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(Wait, Ct));
        Assert.True(Assert.Single(await nodes.Alice.Calls.GetHistoryAsync(cancellationToken: Ct)).HadVideo);
        Assert.True(Assert.Single(await nodes.Bob.Calls.GetHistoryAsync(cancellationToken: Ct)).HadVideo);

        // The received bitstream was written as IVF: the file header, then one frame record per received frame.
        byte[] file = ivf.ToArray();
        Assert.Equal("DKIF"u8.ToArray(), file[..4]);
        int records = 0;
        for (int offset = IvfWriter.FileHeaderSize; offset < file.Length; records++)
        {
            offset += IvfWriter.FrameHeaderSize + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset));
        }

        Assert.True(records >= sink.Frames, $"{records} IVF frames, {sink.Frames} decoded");
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
