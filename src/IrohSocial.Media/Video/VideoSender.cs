using IrohSocial.Media.Video.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Media.Video;

/// <summary>
/// The sending end of one video direction: encodes pictures with <see cref="Vp9Encoder"/>, numbers them, stamps them
/// and wraps them in <see cref="VideoFrameHeader"/>s. It applies the adaptive controller's targets, honours keyframe
/// requests from the peer and the user's video on/off toggle. Not thread-safe.
/// </summary>
internal sealed class VideoSender : IDisposable
{
    private readonly Vp9Encoder _encoder;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _start;
    private uint _sequence;
    private bool _keyframeRequested;
    private volatile bool _peerRequestPending;
    private long _keyframeRequestsHonoured;
    private bool _enabled = true;
    private bool _suspended;

    /// <summary>Creates a sender.</summary>
    /// <param name="options">Encoder settings (initial size and bitrate).</param>
    /// <param name="timeProvider">Clock for the frame timestamps (microseconds since the sender was created).</param>
    /// <param name="logger">Receives target changes and keyframe requests.</param>
    public VideoSender(Vp9EncoderOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _encoder = new Vp9Encoder(options, _logger);
        _time = timeProvider ?? TimeProvider.System;
        _start = _time.GetTimestamp();
    }

    /// <summary>The user's camera toggle. Turning video back on makes the next frame a keyframe.</summary>
    public bool IsEnabled
    {
        get => _enabled;
        set
        {
            if (value && !_enabled)
            {
                _keyframeRequested = true;
            }

            _enabled = value;
        }
    }

    /// <summary>Whether <see cref="Send"/> currently produces packets (enabled and not suspended by the controller).</summary>
    public bool IsSending => _enabled && !_suspended;

    /// <summary>The encoder, for its current size and bitrate.</summary>
    public Vp9Encoder Encoder => _encoder;

    /// <summary>Frames sent so far.</summary>
    public long FramesSent { get; private set; }

    /// <summary>Peer keyframe requests answered with a keyframe (requests arriving before that keyframe count once).</summary>
    public long KeyframeRequestsHonoured => Interlocked.Read(ref _keyframeRequestsHonoured);

    /// <summary>The peer asked for a keyframe: the next frame sent is one. Safe to call from another thread.</summary>
    public void RequestKeyframe()
    {
        VideoLog.KeyframeRequestedByPeer(_logger);
        _peerRequestPending = true;
    }

    /// <summary>Makes the next frame a keyframe for the sender's own reasons (a new stream starts).</summary>
    internal void ForceKeyframe() => _keyframeRequested = true;

    /// <summary>Applies a target from <see cref="VideoBitrateController"/>: new size/bitrate, or pause when suspended.</summary>
    public void Apply(VideoEncodingTarget target)
    {
        if (!target.IsVideoEnabled)
        {
            if (!_suspended)
            {
                VideoLog.TargetApplied(_logger, target.Step, 0, 0, 0);
            }

            _suspended = true;
            return;
        }

        if (_suspended)
        {
            _suspended = false;
            _keyframeRequested = true; // the receiver may have given up on the old chain while we were silent
        }

        if (target.Width != _encoder.Width || target.Height != _encoder.Height || target.BitrateKbps != _encoder.TargetBitrateKbps)
        {
            _encoder.Reconfigure(target.Width, target.Height, target.BitrateKbps);
            VideoLog.TargetApplied(_logger, target.Step, target.Width, target.Height, target.BitrateKbps);
        }
    }

    /// <summary>Encodes one captured picture; returns the packets to send (none while paused).</summary>
    public IReadOnlyList<VideoPacket> Send(I420Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!IsSending)
        {
            return [];
        }

        var timestampUs = (ulong)(_time.GetElapsedTime(_start).Ticks / TimeSpan.TicksPerMicrosecond);
        // The peer's request flag is read once: a request arriving during the encode is served by the next frame.
        var peerRequest = _peerRequestPending;
        _peerRequestPending = false;
        var encoded = _encoder.Encode(frame, _keyframeRequested || peerRequest);
        _keyframeRequested = false;
        if (peerRequest && encoded.Count > 0 && encoded[0].IsKeyFrame)
        {
            Interlocked.Increment(ref _keyframeRequestsHonoured);
        }
        else if (peerRequest)
        {
            _peerRequestPending = true; // rate control dropped the frame: the request still stands
        }

        var packets = new List<VideoPacket>(encoded.Count);
        foreach (var e in encoded)
        {
            var header = new VideoFrameHeader(_sequence++, timestampUs, e.IsKeyFrame, checked((ushort)e.Width), checked((ushort)e.Height), (uint)e.Data.Length);
            packets.Add(new VideoPacket(header, e.Data));
            FramesSent++;
        }

        return packets;
    }

    /// <inheritdoc />
    public void Dispose() => _encoder.Dispose();
}
