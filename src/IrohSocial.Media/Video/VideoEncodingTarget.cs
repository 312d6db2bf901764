namespace IrohSocial.Media.Video;

/// <summary>What the video encoder should produce, as decided by <see cref="VideoBitrateController"/>.</summary>
/// <param name="Step">The ladder step.</param>
/// <param name="Width">Largest encoded width (pass to <see cref="Vp9Encoder.Reconfigure"/>).</param>
/// <param name="Height">Largest encoded height.</param>
/// <param name="BitrateKbps">Video bitrate in kbit/s (0 when suspended).</param>
internal readonly record struct VideoEncodingTarget(VideoQualityStep Step, int Width, int Height, int BitrateKbps)
{
    /// <summary>Whether video should be sent at all.</summary>
    public bool IsVideoEnabled => Step != VideoQualityStep.Suspended;
}
