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

    /// <summary>
    /// Nothing but "this connection still works" (value unused), sent every quarter of
    /// <see cref="CallOptions.DeadPathTimeout"/> so a muted or video-only side still shows the path is alive. Peers that
    /// do not know it ignore it, as every unknown type.
    /// </summary>
    KeepAlive = 4,
}
