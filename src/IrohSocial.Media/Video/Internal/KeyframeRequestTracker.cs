namespace IrohSocial.Media.Video.Internal;

/// <summary>
/// The receive-side state machine behind <see cref="VideoReceiver"/>: follows sequence numbers, decides which frames
/// can be decoded and when to ask the sender for a keyframe. After a gap or a decode error only a keyframe is
/// decodable; until one arrives every dropped frame may re-request, at most once per request interval.
/// </summary>
internal sealed class KeyframeRequestTracker(TimeProvider time, TimeSpan requestInterval)
{
    private uint _lastSequence;
    private bool _hasLast;
    private long? _lastRequest;

    /// <summary>True until a keyframe has been accepted, and again after a gap or a decode error.</summary>
    public bool AwaitingKeyframe { get; private set; } = true;

    public FrameDisposition OnFrame(uint sequence, bool isKeyFrame)
    {
        if (_hasLast && (int)(sequence - _lastSequence) <= 0)
        {
            return new FrameDisposition(FrameAction.DropStale, RequestKeyframe: false);
        }

        if (_hasLast && sequence != unchecked(_lastSequence + 1))
        {
            AwaitingKeyframe = true;
        }

        _lastSequence = sequence;
        _hasLast = true;
        if (isKeyFrame)
        {
            AwaitingKeyframe = false;
            _lastRequest = null;
            return new FrameDisposition(FrameAction.Decode, RequestKeyframe: false);
        }

        return AwaitingKeyframe
            ? new FrameDisposition(FrameAction.DropAwaitingKeyframe, ShouldRequest())
            : new FrameDisposition(FrameAction.Decode, RequestKeyframe: false);
    }

    /// <summary>The decoder rejected the frame just accepted: wait for a keyframe. Returns whether to request one now.</summary>
    public bool OnDecodeError()
    {
        AwaitingKeyframe = true;
        return ShouldRequest();
    }

    private bool ShouldRequest()
    {
        var now = time.GetTimestamp();
        if (_lastRequest is { } last && time.GetElapsedTime(last, now) < requestInterval)
        {
            return false;
        }

        _lastRequest = now;
        return true;
    }
}

internal enum FrameAction
{
    Decode,
    DropStale,
    DropAwaitingKeyframe,
}

internal readonly record struct FrameDisposition(FrameAction Action, bool RequestKeyframe);
