namespace IrohSocial.Media.Video;

/// <summary>Size and frame rate of a video source or sink.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="FramesPerSecondNumerator">Frame rate numerator (e.g. 24, or 30000 for 29.97).</param>
/// <param name="FramesPerSecondDenominator">Frame rate denominator (e.g. 1, or 1001 for 29.97).</param>
public readonly record struct VideoFormat(int Width, int Height, int FramesPerSecondNumerator = 24, int FramesPerSecondDenominator = 1)
{
    /// <summary>The frame rate as a number.</summary>
    public double FramesPerSecond => (double)FramesPerSecondNumerator / FramesPerSecondDenominator;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Width, 1, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfLessThan(Height, 1, nameof(Height));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Width, I420Frame.MaxDimension, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Height, I420Frame.MaxDimension, nameof(Height));
        ArgumentOutOfRangeException.ThrowIfLessThan(FramesPerSecondNumerator, 1, nameof(FramesPerSecondNumerator));
        ArgumentOutOfRangeException.ThrowIfLessThan(FramesPerSecondDenominator, 1, nameof(FramesPerSecondDenominator));
    }
}
