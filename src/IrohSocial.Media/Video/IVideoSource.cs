namespace IrohSocial.Media.Video;

/// <summary>
/// Produces I420 pictures (a camera, a file, a generator). Frames are produced on demand; the consumer paces reads at
/// <see cref="VideoFormat.FramesPerSecond"/> of <see cref="Format"/> (a live device simply waits for its next picture).
/// </summary>
public interface IVideoSource : IAsyncDisposable
{
    /// <summary>Size and rate of the frames this source produces.</summary>
    VideoFormat Format { get; }

    /// <summary>Reads the next picture, or null at the end of the source. The caller owns and disposes the frame.</summary>
    ValueTask<I420Frame?> ReadFrameAsync(CancellationToken cancellationToken = default);
}
