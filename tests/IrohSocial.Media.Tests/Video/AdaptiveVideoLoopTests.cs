using IrohSocial.Media.Video;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Video;

/// <summary>
/// Sender, simulated link, receiver and bitrate controller together, with real VP9 and scripted time: what the call
/// layer will wire to real streams. The link is a token-bucket policer that drops what exceeds its rate.
/// </summary>
public sealed class AdaptiveVideoLoopTests
{
    public AdaptiveVideoLoopTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    private const int Fps = 24;
    private const int AudioKbps = 40;

    private sealed class PolicedLink(double capacityKbps)
    {
        private double _tokens = capacityKbps * 1000 / 8 / 2;
        private long _deliveredBytes;
        private int _sent;
        private int _lost;

        public double CapacityKbps { get; set; } = capacityKbps;

        public bool Offer(int bytes)
        {
            _sent++;
            if (bytes > _tokens)
            {
                _lost++;
                return false;
            }

            _tokens -= bytes;
            _deliveredBytes += bytes;
            return true;
        }

        public void Tick(TimeSpan elapsed)
        {
            // Audio has priority on the link: its share comes out before video's.
            var bytesPerSecond = Math.Max(0, CapacityKbps - AudioKbps) * 1000 / 8;
            _tokens = Math.Min(_tokens + (bytesPerSecond * elapsed.TotalSeconds), bytesPerSecond / 2);
        }

        public VideoNetworkSample EndInterval()
        {
            var loss = _sent == 0 ? 0 : (double)_lost / _sent;
            var sample = new VideoNetworkSample(
                (_deliveredBytes * 8 / 1000.0) + AudioKbps,
                loss,
                TimeSpan.FromMilliseconds(loss > 0 ? 240 : 40));
            _deliveredBytes = 0;
            _sent = _lost = 0;
            return sample;
        }
    }

    [Fact]
    public void ThrottleTo400Kbps_DropsTo320x240Within5sKeepsDecodingAndRecoversWhenLifted()
    {
        var time = new FakeTimeProvider();
        var controller = new VideoBitrateController(timeProvider: time);
        using var sender = new VideoSender(new Vp9EncoderOptions { CpuUsed = 9, TargetBitrateKbps = controller.Current.BitrateKbps }, time);
        using var receiver = new VideoReceiver(timeProvider: time);
        var link = new PolicedLink(10_000);
        var frameTime = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / Fps);
        var decodedSizes = new List<(int Second, int Width, int Height)>();
        var steps = new List<VideoQualityStep>();
        var index = 0;

        for (var second = 0; second < 40; second++)
        {
            link.CapacityKbps = second is >= 10 and < 20 ? 400 : 10_000;
            for (var f = 0; f < Fps; f++)
            {
                time.Advance(frameTime);
                link.Tick(frameTime);
                using var picture = TestPatternSource.Render(640, 480, index++);
                foreach (var packet in sender.Send(picture))
                {
                    if (!link.Offer(packet.Length))
                    {
                        continue;
                    }

                    var result = receiver.Receive(packet.Header, packet.Payload);
                    using var frame = result.Frame;
                    if (frame is not null)
                    {
                        decodedSizes.Add((second, frame.Width, frame.Height));
                    }

                    if (result.RequestKeyframe)
                    {
                        sender.RequestKeyframe();
                    }
                }
            }

            var target = controller.Update(link.EndInterval());
            sender.Apply(target);
            steps.Add(target.Step);
        }

        var log = string.Join(",", steps.Select(s => (int)s));

        // Open link: 640x480 (or better) is decoded.
        Assert.Contains(decodedSizes, d => d.Second < 10 && d.Width == 640);

        // Throttled from second 10: 320x240 within 5 s, and video keeps flowing at that size.
        var firstLow = steps.FindIndex(10, s => s == VideoQualityStep.Low);
        Assert.True(firstLow is >= 10 and < 15, log);
        var throttledDecoded = decodedSizes.Where(d => d.Second is >= 16 and < 20).ToList();
        Assert.True(throttledDecoded.Count >= Fps * 2, $"{throttledDecoded.Count} frames decoded in the last 4 throttled seconds; steps {log}");
        Assert.Contains(throttledDecoded, d => (d.Width, d.Height) == (320, 240));

        // Lifted at second 20: back to 640x480 and decoding at that size.
        var backUp = steps.FindIndex(20, s => s >= VideoQualityStep.Medium);
        Assert.True(backUp is >= 20 and < 35, log);
        Assert.Contains(decodedSizes, d => d.Second > backUp && d.Width == 640 && d.Height == 480);
        Assert.False(receiver.IsAwaitingKeyframe);
    }
}
