using System.Buffers;
using IrohSocial.Media.Video;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Video;

/// <summary>Sender to receiver in memory: what the call layer will run over its video stream.</summary>
public sealed class VideoSenderTests
{
    public VideoSenderTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    private static readonly TimeSpan FrameTime = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 24);

    private sealed class Pipe : IDisposable
    {
        public FakeTimeProvider Time { get; } = new();

        public Pipe()
        {
            Sender = new VideoSender(new Vp9EncoderOptions { CpuUsed = 9, TargetBitrateKbps = 800 }, Time);
            Receiver = new VideoReceiver(timeProvider: Time);
        }

        public VideoSender Sender { get; }

        public VideoReceiver Receiver { get; }

        public int Index { get; set; }

        // Sends one 640x480 picture, serialises and parses each packet as the stream would, and returns what the
        // receiver made of it (null when the sender sent nothing).
        public VideoReceiveResult? Step(bool drop = false)
        {
            Time.Advance(FrameTime);
            using var picture = TestPatternSource.Render(640, 480, Index++);
            var packets = Sender.Send(picture);
            if (packets.Count == 0)
            {
                return null;
            }

            var packet = Assert.Single(packets);
            var wire = new byte[packet.Length];
            packet.WriteTo(wire);
            if (drop)
            {
                return new VideoReceiveResult(VideoReceiveStatus.Stale, null, false);
            }

            Assert.Equal(OperationStatus.Done, VideoFrameHeader.TryRead(wire, out var header));
            Assert.Equal(packet.Header, header);
            var result = Receiver.Receive(header, wire.AsSpan(VideoFrameHeader.Size, (int)header.PayloadLength));
            if (result.RequestKeyframe)
            {
                Sender.RequestKeyframe(); // the control message, delivered
            }

            return result;
        }

        public void Dispose()
        {
            Sender.Dispose();
            Receiver.Dispose();
        }
    }

    [Fact]
    public void SendReceive_FramesArriveDecodeAndCarryTimestampsAndSequence()
    {
        using var pipe = new Pipe();
        for (var i = 0; i < 10; i++)
        {
            var result = pipe.Step()!.Value;
            using var frame = result.Frame;
            Assert.Equal(VideoReceiveStatus.Decoded, result.Status);
            Assert.Equal((640, 480), (frame!.Width, frame.Height));
        }

        Assert.Equal(10, pipe.Sender.FramesSent);
        Assert.Equal(10, pipe.Receiver.FramesDecoded);

        using var picture = TestPatternSource.Render(640, 480, 10);
        pipe.Time.Advance(TimeSpan.FromMilliseconds(250));
        var packet = Assert.Single(pipe.Sender.Send(picture));
        Assert.Equal(10u, packet.Header.Sequence);
        // 10 frame times of 1/24 s plus 250 ms since the sender was created, in microseconds (1 us = 10 ticks).
        Assert.Equal((ulong)((10 * FrameTime.Ticks / 10) + 250_000), packet.Header.TimestampUs);
        Assert.Equal((ushort)640, packet.Header.Width);
    }

    [Fact]
    public void ControllerTargets_ResizeSuspendAndResumeTheStream()
    {
        using var pipe = new Pipe();
        Assert.Equal(VideoReceiveStatus.Decoded, Dispose(pipe.Step()).Status);

        pipe.Sender.Apply(new VideoEncodingTarget(VideoQualityStep.Low, 320, 240, 250));
        var low = pipe.Step()!.Value;
        using (low.Frame)
        {
            Assert.Equal((320, 240), (low.Frame!.Width, low.Frame.Height));
        }

        Assert.Equal(250, pipe.Sender.Encoder.TargetBitrateKbps);

        pipe.Sender.Apply(new VideoEncodingTarget(VideoQualityStep.Suspended, 0, 0, 0));
        Assert.False(pipe.Sender.IsSending);
        Assert.Null(pipe.Step());

        pipe.Sender.Apply(new VideoEncodingTarget(VideoQualityStep.Medium, 640, 480, 900));
        var resumed = Dispose(pipe.Step());
        Assert.Equal(VideoReceiveStatus.Decoded, resumed.Status);
        Assert.Equal(VideoReceiveStatus.Decoded, Dispose(pipe.Step()).Status);
    }

    [Fact]
    public void ToggleOffAndOn_NoPacketsWhileOffAndAKeyframeWhenBackOn()
    {
        using var pipe = new Pipe();
        for (var i = 0; i < 3; i++)
        {
            Dispose(pipe.Step());
        }

        pipe.Sender.IsEnabled = false;
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(pipe.Step());
        }

        pipe.Sender.IsEnabled = true;
        using var picture = TestPatternSource.Render(640, 480, 99);
        var first = Assert.Single(pipe.Sender.Send(picture));
        Assert.True(first.Header.IsKeyFrame);
        Assert.Equal(3u, first.Header.Sequence); // no gap: sequence counts frames sent
    }

    [Fact]
    public void LostPacket_ReceiverRequestsKeyframeAndTheStreamRecoversOnTheNextFrame()
    {
        using var pipe = new Pipe();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(VideoReceiveStatus.Decoded, Dispose(pipe.Step()).Status);
        }

        pipe.Step(drop: true);
        var afterGap = Dispose(pipe.Step());
        Assert.Equal((VideoReceiveStatus.AwaitingKeyframe, true), (afterGap.Status, afterGap.RequestKeyframe));
        var recovered = Dispose(pipe.Step());
        Assert.Equal(VideoReceiveStatus.Decoded, recovered.Status);
        Assert.False(pipe.Receiver.IsAwaitingKeyframe);
    }

    [Fact]
    public void KeyframeRequestsHonoured_CountsPeerRequestsAnsweredWithAKeyframe_NotTheSendersOwnKeyframes()
    {
        using var pipe = new Pipe();
        Dispose(pipe.Step()); // the first frame is a keyframe of the sender's own
        pipe.Sender.ForceKeyframe();
        Dispose(pipe.Step());
        Assert.Equal(0, pipe.Sender.KeyframeRequestsHonoured);

        pipe.Sender.RequestKeyframe();
        pipe.Sender.RequestKeyframe(); // a second request before the keyframe is served by the same keyframe
        Dispose(pipe.Step());
        Assert.Equal(1, pipe.Sender.KeyframeRequestsHonoured);
        Dispose(pipe.Step());
        Assert.Equal(1, pipe.Sender.KeyframeRequestsHonoured);
    }

    private static VideoReceiveResult Dispose(VideoReceiveResult? result)
    {
        Assert.NotNull(result);
        result.Value.Frame?.Dispose();
        return result.Value;
    }
}
