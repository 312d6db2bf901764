namespace IrohSocial.Media.Framing;

/// <summary>What a call/1 unidirectional stream carries; also the domain separator passed to the frame cipher.</summary>
public enum MediaStreamKind : byte
{
    /// <summary>Opus audio frames.</summary>
    Audio = 1,

    /// <summary>VP9 video frames.</summary>
    Video = 2,

    /// <summary>Receiver reports for the audio stream flowing the other way (loss, jitter, RTT echo).</summary>
    AudioReport = 3,

    /// <summary>Call control (section 7 calls): connection epoch, keyframe requests, video on/off; one per direction.</summary>
    Control = 4,

    /// <summary>
    /// Opened by the caller, first and only, on a call's separate video connection (TCP transport): names the epoch of the
    /// leg whose video the connection carries. Never sealed.
    /// </summary>
    VideoLink = 5,
}
