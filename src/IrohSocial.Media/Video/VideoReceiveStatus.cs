namespace IrohSocial.Media.Video;

/// <summary>What <see cref="VideoReceiver.Receive"/> did with a frame.</summary>
internal enum VideoReceiveStatus
{
    /// <summary>Decoded; the picture is in <see cref="VideoReceiveResult.Frame"/>.</summary>
    Decoded,

    /// <summary>Accepted by the decoder but nothing to show.</summary>
    NoFrame,

    /// <summary>Dropped: a frame was missing or corrupt and this one is not a keyframe.</summary>
    AwaitingKeyframe,

    /// <summary>Dropped: older than or equal to a frame already received.</summary>
    Stale,

    /// <summary>The decoder rejected the frame.</summary>
    DecodeFailed,
}
