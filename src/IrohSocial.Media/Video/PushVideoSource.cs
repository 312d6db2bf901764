using System.Threading.Channels;

namespace IrohSocial.Media.Video;

/// <summary>
/// A live video source an application feeds itself (a camera callback, frames from a browser): push pictures as they
/// are captured; the call's video sender reads the newest one at its own frame rate. Only the newest unread picture is
/// kept: a picture the sender has not read before the next one arrives is dropped (and disposed), so a slow encoder or
/// link never makes the video lag behind the camera.
/// </summary>
public sealed class PushVideoSource : IVideoSource
{
    private readonly Channel<I420Frame> _latest;
    private long _pushed;
    private long _dropped;

    /// <summary>Creates a push source for pictures of <paramref name="format"/>.</summary>
    /// <param name="format">Size of every pushed picture and the nominal rate the sender reads at.</param>
    public PushVideoSource(VideoFormat format)
    {
        format.Validate();
        Format = format;
        _latest = Channel.CreateBounded<I420Frame>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped =>
            {
                Interlocked.Increment(ref _dropped);
                dropped.Dispose();
            });
    }

    /// <inheritdoc />
    public VideoFormat Format { get; }

    /// <summary>Pictures pushed so far.</summary>
    public long FramesPushed => Interlocked.Read(ref _pushed);

    /// <summary>Pictures replaced by a newer one before the sender read them.</summary>
    public long FramesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Offers a picture; the source takes ownership of it (and disposes it if it is dropped or refused).</summary>
    /// <param name="frame">A picture of exactly <see cref="Format"/>'s size.</param>
    /// <returns>False when the source was completed (the picture is disposed).</returns>
    /// <exception cref="ArgumentException">The picture's size differs from <see cref="Format"/>.</exception>
    public bool TryPush(I420Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Width != Format.Width || frame.Height != Format.Height)
        {
            frame.Dispose();
            throw new ArgumentException($"Expected a {Format.Width}x{Format.Height} picture, got {frame.Width}x{frame.Height}.", nameof(frame));
        }

        if (!_latest.Writer.TryWrite(frame))
        {
            frame.Dispose();
            return false;
        }

        Interlocked.Increment(ref _pushed);
        return true;
    }

    /// <summary>Ends the source: the reader gets the picture still queued, if any, then the end.</summary>
    public void Complete() => _latest.Writer.TryComplete();

    /// <inheritdoc />
    /// <remarks>Waits for the next picture pushed after the previous read; null once the source is completed.</remarks>
    public async ValueTask<I420Frame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        while (await _latest.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_latest.Reader.TryRead(out var frame))
            {
                return frame;
            }
        }

        return null;
    }

    /// <summary>Completes the source and disposes a picture nobody read.</summary>
    public ValueTask DisposeAsync()
    {
        Complete();
        while (_latest.Reader.TryRead(out var frame))
        {
            frame.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
