using IrohSocial.Media.Video;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Video;

public sealed class VideoReceiverTests
{
    public VideoReceiverTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    private const int W = 160;
    private const int H = 120;

    private sealed class Sender : IDisposable
    {
        private readonly Vp9Encoder _encoder = new(new Vp9EncoderOptions { Width = W, Height = H, TargetBitrateKbps = 200, CpuUsed = 9 });
        private uint _sequence;
        private int _index;

        public (VideoFrameHeader Header, byte[] Payload) Next(bool forceKeyframe = false)
        {
            using var picture = TestPatternSource.Render(W, H, _index++);
            var packet = Assert.Single(_encoder.Encode(picture, forceKeyframe));
            var header = new VideoFrameHeader(_sequence++, (ulong)_index * 41_666, packet.IsKeyFrame, (ushort)packet.Width, (ushort)packet.Height, (uint)packet.Data.Length);
            return (header, packet.Data);
        }

        public void Dispose() => _encoder.Dispose();
    }

    private static VideoReceiveResult Receive(VideoReceiver receiver, (VideoFrameHeader Header, byte[] Payload) frame)
    {
        var result = receiver.Receive(frame.Header, frame.Payload);
        result.Frame?.Dispose();
        return result;
    }

    [Fact]
    public void Receive_InOrderStream_DecodesEveryFrameWithoutRequests()
    {
        using var sender = new Sender();
        using var receiver = new VideoReceiver(timeProvider: new FakeTimeProvider());
        for (var i = 0; i < 20; i++)
        {
            var (header, payload) = sender.Next();
            var result = receiver.Receive(header, payload);
            using var frame = result.Frame;
            Assert.Equal((VideoReceiveStatus.Decoded, false), (result.Status, result.RequestKeyframe));
            Assert.Equal((W, H), (frame!.Width, frame.Height));
        }

        Assert.Equal((20L, 0L), (receiver.FramesDecoded, receiver.FramesDropped));
    }

    [Fact]
    public void Receive_SequenceGap_DropsUntilKeyframeAndRequestsAtMostOncePerInterval()
    {
        var time = new FakeTimeProvider();
        using var sender = new Sender();
        using var receiver = new VideoReceiver(new VideoReceiverOptions { KeyframeRequestInterval = TimeSpan.FromMilliseconds(500) }, time);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(new VideoReceiveResult(VideoReceiveStatus.Decoded, null, false), Receive(receiver, sender.Next()) with { Frame = null });
        }

        _ = sender.Next(); // lost in transit
        Assert.Equal((VideoReceiveStatus.AwaitingKeyframe, true), Summary(Receive(receiver, sender.Next())));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal((VideoReceiveStatus.AwaitingKeyframe, false), Summary(Receive(receiver, sender.Next())));
        time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal((VideoReceiveStatus.AwaitingKeyframe, true), Summary(Receive(receiver, sender.Next())));
        Assert.True(receiver.IsAwaitingKeyframe);

        Assert.Equal((VideoReceiveStatus.Decoded, false), Summary(Receive(receiver, sender.Next(forceKeyframe: true))));
        Assert.False(receiver.IsAwaitingKeyframe);
        Assert.Equal((VideoReceiveStatus.Decoded, false), Summary(Receive(receiver, sender.Next())));
        Assert.Equal((7L, 3L), (receiver.FramesDecoded, receiver.FramesDropped));
    }

    [Fact]
    public void Receive_CorruptPayload_DecodeFailsRequestsKeyframeAndRecovers()
    {
        using var sender = new Sender();
        using var receiver = new VideoReceiver(timeProvider: new FakeTimeProvider());
        Assert.Equal((VideoReceiveStatus.Decoded, false), Summary(Receive(receiver, sender.Next())));
        var (header, payload) = sender.Next();
        var garbage = payload.Select((b, i) => (byte)(b ^ (i % 3 == 0 ? 0xA5 : 0x3C))).ToArray();
        garbage[0] = 0xff; // not a valid VP9 frame marker
        Assert.Equal((VideoReceiveStatus.DecodeFailed, true), Summary(receiver.Receive(header, garbage)));
        Assert.Equal((VideoReceiveStatus.AwaitingKeyframe, false), Summary(Receive(receiver, sender.Next())));
        Assert.Equal((VideoReceiveStatus.Decoded, false), Summary(Receive(receiver, sender.Next(forceKeyframe: true))));
    }

    [Fact]
    public void Receive_DecodeFailureAndDrops_AreLoggedWithSequenceOnly()
    {
        var logger = new ListLogger();
        using var sender = new Sender();
        using var receiver = new VideoReceiver(timeProvider: new FakeTimeProvider(), logger: logger);
        Receive(receiver, sender.Next());
        var (header, _) = sender.Next();
        receiver.Receive(header, new byte[] { 0xff, 0xee, 0xdd });
        Receive(receiver, sender.Next());
        Assert.Equal([6110, 6111], logger.Entries.Select(e => e.EventId));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, logger.Entries[0].Level);
        Assert.Contains("frame 1 ", logger.Entries[0].Message);
    }

    [Fact]
    public void Receive_EmptyPayload_IsADecodeFailureNotACrash()
    {
        using var sender = new Sender();
        using var receiver = new VideoReceiver(timeProvider: new FakeTimeProvider());
        Assert.Equal((VideoReceiveStatus.Decoded, false), Summary(Receive(receiver, sender.Next())));
        var (header, _) = sender.Next();
        Assert.Equal((VideoReceiveStatus.DecodeFailed, true), Summary(receiver.Receive(header, ReadOnlySpan<byte>.Empty)));
    }

    [Fact]
    public void Receive_JoinMidStreamAndDuplicates_WaitsForKeyframeAndDropsStale()
    {
        using var sender = new Sender();
        using var receiver = new VideoReceiver(timeProvider: new FakeTimeProvider());
        _ = sender.Next(); // the keyframe was sent before we listened
        var inter = sender.Next();
        Assert.Equal((VideoReceiveStatus.AwaitingKeyframe, true), Summary(Receive(receiver, inter)));
        var key = sender.Next(forceKeyframe: true);
        Assert.Equal((VideoReceiveStatus.Decoded, false), Summary(Receive(receiver, key)));
        Assert.Equal((VideoReceiveStatus.Stale, false), Summary(Receive(receiver, key)));
        Assert.Equal((VideoReceiveStatus.Stale, false), Summary(Receive(receiver, inter)));
        Assert.Equal((VideoReceiveStatus.Decoded, false), Summary(Receive(receiver, sender.Next())));
    }

    private static (VideoReceiveStatus, bool) Summary(VideoReceiveResult result)
    {
        result.Frame?.Dispose();
        return (result.Status, result.RequestKeyframe);
    }
}
