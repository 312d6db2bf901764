using Microsoft.Extensions.Logging;

namespace IrohSocial.Media.Video.Internal;

/// <summary>Log messages of the video layer (event ids 6100-6199). Never logs picture or bitstream content.</summary>
internal static partial class VideoLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Debug, Message = "VP9 encoder initialised for {Width}x{Height} source, {Threads} thread(s), {BitrateKbps} kbit/s")]
    public static partial void EncoderInitialized(ILogger logger, int width, int height, int threads, int bitrateKbps);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Debug, Message = "VP9 encoder scaling {SourceWidth}x{SourceHeight} to {Width}x{Height}")]
    public static partial void EncoderScaled(ILogger logger, int sourceWidth, int sourceHeight, int width, int height);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Video target {Step}: {Width}x{Height} at {BitrateKbps} kbit/s")]
    public static partial void TargetApplied(ILogger logger, Video.VideoQualityStep step, int width, int height, int bitrateKbps);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Debug, Message = "Keyframe requested by the peer")]
    public static partial void KeyframeRequestedByPeer(ILogger logger);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Debug, Message = "Video link sample: goodput {GoodputKbps:F0} kbit/s, loss {Loss:F3}, RTT {RttMs:F0} ms, frames skipped {Skipped:F2}, {Unacknowledged} unacknowledged -> estimate {EstimateKbps:F0} kbit/s")]
    public static partial void LinkSample(ILogger logger, double goodputKbps, double loss, double rttMs, double skipped, int unacknowledged, double estimateKbps);

    [LoggerMessage(EventId = 6110, Level = LogLevel.Warning, Message = "Video frame {Sequence} could not be decoded: {Detail}")]
    public static partial void DecodeFailed(ILogger logger, uint sequence, string? detail);

    [LoggerMessage(EventId = 6111, Level = LogLevel.Debug, Message = "Video frame {Sequence} dropped while waiting for a keyframe (request sent: {Requested})")]
    public static partial void DroppedAwaitingKeyframe(ILogger logger, uint sequence, bool requested);
}
