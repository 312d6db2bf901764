using System.Globalization;
using System.Text;

namespace IrohSocial.Media.Video;

/// <summary>
/// Writes pictures to a YUV4MPEG2 (<c>.y4m</c>) file as 8-bit 4:2:0 (<c>C420jpeg</c>). Y4M has one size per file, so
/// every frame must match the <see cref="VideoFormat"/> given at creation (<see cref="MediaError.FrameSizeMismatch"/>
/// otherwise).
/// </summary>
public sealed class Y4mFileSink : IVideoSink
{
    private static readonly byte[] FrameMarker = "FRAME\n"u8.ToArray();
    private readonly Stream _stream;

    private Y4mFileSink(Stream stream, VideoFormat format)
    {
        _stream = stream;
        Format = format;
    }

    /// <summary>Size and rate written in the file header.</summary>
    public VideoFormat Format { get; }

    /// <summary>Frames written so far.</summary>
    public long FrameCount { get; private set; }

    /// <summary>Creates (or overwrites) a Y4M file and writes its header.</summary>
    public static async ValueTask<Y4mFileSink> CreateAsync(string path, VideoFormat format, CancellationToken cancellationToken = default)
    {
        format.Validate();
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, useAsync: true);
        try
        {
            var header = string.Create(
                CultureInfo.InvariantCulture,
                $"YUV4MPEG2 W{format.Width} H{format.Height} F{format.FramesPerSecondNumerator}:{format.FramesPerSecondDenominator} Ip A1:1 C420jpeg\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(header), cancellationToken).ConfigureAwait(false);
            return new Y4mFileSink(stream, format);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask WriteFrameAsync(I420Frame frame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Width != Format.Width || frame.Height != Format.Height)
        {
            throw new MediaException(
                MediaError.FrameSizeMismatch,
                $"Frame is {frame.Width}x{frame.Height} but the Y4M file is {Format.Width}x{Format.Height}.");
        }

        await _stream.WriteAsync(FrameMarker, cancellationToken).ConfigureAwait(false);
        await _stream.WriteAsync(frame.Data, cancellationToken).ConfigureAwait(false);
        FrameCount++;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stream.FlushAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
