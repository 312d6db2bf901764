namespace IrohSocial.Media.Video;

/// <summary>Consumes decoded I420 pictures (a renderer, a file).</summary>
public interface IVideoSink : IAsyncDisposable
{
    /// <summary>Writes one picture. The sink does not keep <paramref name="frame"/>; the caller still owns it.</summary>
    ValueTask WriteFrameAsync(I420Frame frame, CancellationToken cancellationToken = default);
}
