namespace IrohSocial.Media.Calls.Internal;

/// <summary>Messages on a call's control stream, each <c>[u8 type][u8 value]</c>.</summary>
internal enum ControlMessage : byte
{
    /// <summary>The receiver lost video sync: send a keyframe (value unused).</summary>
    KeyframeRequest = 1,

    /// <summary>The sender turned its video on (1) or off (0).</summary>
    VideoState = 2,

    /// <summary>
    /// The receiver got a complete video frame; value = the low byte of its sequence number. Lets the sender keep its
    /// video in flight short (see <c>VideoSendWindow</c>); a peer that does not send it only loses that.
    /// </summary>
    VideoReceived = 3,
}
