namespace IrohSocial.Media.Video;

/// <summary>One compressed VP9 frame produced by <see cref="Vp9Encoder"/>.</summary>
/// <param name="Data">The VP9 bitstream of the frame (a superframe when libvpx emits one).</param>
/// <param name="IsKeyFrame">Whether the frame decodes on its own.</param>
/// <param name="Width">Encoded width (after libvpx's internal scaling).</param>
/// <param name="Height">Encoded height (after libvpx's internal scaling).</param>
/// <param name="FrameIndex">The encoder's presentation index of the frame (0, 1, 2, ... in time-base units).</param>
internal sealed record EncodedVideoFrame(byte[] Data, bool IsKeyFrame, int Width, int Height, long FrameIndex);
