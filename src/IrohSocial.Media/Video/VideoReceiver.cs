using IrohSocial.Media.Video.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Media.Video;

/// <summary>
/// The receiving end of one video direction: checks frame sequence numbers, decodes with <see cref="Vp9Decoder"/> and
/// says when to request a keyframe. A sequence gap or a decoder error makes every following non-key frame
/// undecodable; those are dropped (<see cref="VideoReceiveStatus.AwaitingKeyframe"/>) and the result asks for a
/// keyframe, repeated at most every <see cref="VideoReceiverOptions.KeyframeRequestInterval"/> until one arrives.
/// Not thread-safe.
/// </summary>
internal sealed class VideoReceiver : IDisposable
{
    private readonly Vp9Decoder _decoder;
    private readonly KeyframeRequestTracker _tracker;
    private readonly ILogger _logger;

    /// <summary>Creates the receiver and its decoder.</summary>
    /// <param name="options">Settings; <see cref="VideoReceiverOptions.Default"/> when null.</param>
    /// <param name="timeProvider">Clock for the keyframe re-request interval.</param>
    /// <param name="logger">Receives decode failures and drops.</param>
    public VideoReceiver(VideoReceiverOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        options ??= VideoReceiverOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.KeyframeRequestInterval, TimeSpan.Zero);
        _decoder = new Vp9Decoder(options.DecoderThreads);
        _tracker = new KeyframeRequestTracker(timeProvider ?? TimeProvider.System, options.KeyframeRequestInterval);
    }

    /// <summary>True while only a keyframe can be decoded (at the start, after a gap or after a decode error).</summary>
    public bool IsAwaitingKeyframe => _tracker.AwaitingKeyframe;

    /// <summary>Frames decoded so far.</summary>
    public long FramesDecoded { get; private set; }

    /// <summary>Frames dropped so far (stale, awaiting keyframe or undecodable).</summary>
    public long FramesDropped { get; private set; }

    /// <summary>Handles one frame read from the video stream.</summary>
    /// <param name="header">The frame's header.</param>
    /// <param name="payload">The frame's (decrypted) VP9 data.</param>
    public VideoReceiveResult Receive(in VideoFrameHeader header, ReadOnlySpan<byte> payload)
    {
        var disposition = _tracker.OnFrame(header.Sequence, header.IsKeyFrame);
        switch (disposition.Action)
        {
            case FrameAction.DropStale:
                FramesDropped++;
                return new VideoReceiveResult(VideoReceiveStatus.Stale, null, false);
            case FrameAction.DropAwaitingKeyframe:
                FramesDropped++;
                VideoLog.DroppedAwaitingKeyframe(_logger, header.Sequence, disposition.RequestKeyframe);
                return new VideoReceiveResult(VideoReceiveStatus.AwaitingKeyframe, null, disposition.RequestKeyframe);
        }

        var result = _decoder.Decode(payload);
        switch (result.Status)
        {
            case VideoDecodeStatus.Decoded:
                FramesDecoded++;
                return new VideoReceiveResult(VideoReceiveStatus.Decoded, result.Frame, false);
            case VideoDecodeStatus.NoFrame:
                return new VideoReceiveResult(VideoReceiveStatus.NoFrame, null, false);
            default:
                FramesDropped++;
                VideoLog.DecodeFailed(_logger, header.Sequence, result.ErrorDetail);
                return new VideoReceiveResult(VideoReceiveStatus.DecodeFailed, null, _tracker.OnDecodeError());
        }
    }

    /// <inheritdoc />
    public void Dispose() => _decoder.Dispose();
}
