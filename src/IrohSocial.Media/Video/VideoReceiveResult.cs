namespace IrohSocial.Media.Video;

/// <summary>Outcome of one received video frame.</summary>
/// <param name="Status">What happened to the frame.</param>
/// <param name="Frame">The decoded picture when <paramref name="Status"/> is <see cref="VideoReceiveStatus.Decoded"/>; the caller owns it.</param>
/// <param name="RequestKeyframe">True when the caller should ask the sender for a keyframe now (through the call's control path).</param>
internal readonly record struct VideoReceiveResult(VideoReceiveStatus Status, I420Frame? Frame, bool RequestKeyframe);
