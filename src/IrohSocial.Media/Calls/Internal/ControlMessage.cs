namespace IrohSocial.Media.Calls.Internal;

/// <summary>Messages on a call's control stream, each <c>[u8 type][u8 value]</c>.</summary>
internal enum ControlMessage : byte
{
    /// <summary>The receiver lost video sync: send a keyframe (value unused).</summary>
    KeyframeRequest = 1,

    /// <summary>The sender turned its video on (1) or off (0).</summary>
    VideoState = 2,
}
