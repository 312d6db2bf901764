namespace IrohSocial.Media.Video;

/// <summary>Settings for <see cref="Vp9Encoder"/>. Defaults follow the call design: 640x480 at 24 fps, 1000 kbps.</summary>
public sealed record Vp9EncoderOptions
{
    /// <summary>The defaults.</summary>
    public static Vp9EncoderOptions Default { get; } = new();

    /// <summary>
    /// Largest encoded width. Larger sources are scaled down inside libvpx (<c>VP8E_SET_SCALEMODE</c>); smaller ones are
    /// encoded at their own size.
    /// </summary>
    public int Width { get; init; } = 640;

    /// <summary>Largest encoded height (see <see cref="Width"/>).</summary>
    public int Height { get; init; } = 480;

    /// <summary>Frame rate the source delivers; also the encoder's time base (1 / fps).</summary>
    public int FramesPerSecond { get; init; } = 24;

    /// <summary>Target bitrate in kbit/s (constant-bitrate rate control).</summary>
    public int TargetBitrateKbps { get; init; } = 1000;

    /// <summary>Encoder threads (libvpx <c>g_threads</c>); more than one also enables tile columns and row multithreading.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>A keyframe is produced at least every this many frames.</summary>
    public int KeyframeInterval { get; init; } = 48;

    /// <summary>libvpx <c>cpu-used</c> speed for the realtime deadline, 5..9 (higher is faster, lower quality).</summary>
    public int CpuUsed { get; init; } = 7;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Width, 16, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfLessThan(Height, 16, nameof(Height));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Width, I420Frame.MaxDimension, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Height, I420Frame.MaxDimension, nameof(Height));
        ArgumentOutOfRangeException.ThrowIfLessThan(FramesPerSecond, 1, nameof(FramesPerSecond));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FramesPerSecond, 240, nameof(FramesPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(TargetBitrateKbps, 10, nameof(TargetBitrateKbps));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TargetBitrateKbps, 100_000, nameof(TargetBitrateKbps));
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(Threads));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Threads, 64, nameof(Threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(KeyframeInterval, 1, nameof(KeyframeInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(CpuUsed, 5, nameof(CpuUsed));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CpuUsed, 9, nameof(CpuUsed));
    }
}
