using System.Globalization;
using System.Text;

namespace IrohSocial.Media.Video;

/// <summary>
/// Reads pictures from a YUV4MPEG2 (<c>.y4m</c>) file of 8-bit 4:2:0 frames (<c>C420</c>, <c>C420jpeg</c>,
/// <c>C420paldv</c>, <c>C420mpeg2</c> or no <c>C</c> tag). Other chroma formats or bit depths are rejected with
/// <see cref="MediaError.UnsupportedVideoFormat"/>; a malformed header or a truncated frame with
/// <see cref="MediaError.InvalidVideoData"/>.
/// </summary>
public sealed class Y4mFileSource : IVideoSource
{
    private const int MaxHeaderLength = 4096;
    private static readonly string[] SupportedColorSpaces = ["420", "420jpeg", "420paldv", "420mpeg2"];

    private readonly Stream _stream;
    private readonly bool _loop;
    private readonly long _firstFrameOffset;

    private Y4mFileSource(Stream stream, VideoFormat format, bool loop)
    {
        _stream = stream;
        Format = format;
        _loop = loop;
        _firstFrameOffset = stream.Position;
    }

    /// <inheritdoc />
    public VideoFormat Format { get; }

    /// <summary>Opens a Y4M file and parses its header.</summary>
    /// <param name="path">The file.</param>
    /// <param name="loop">Start over at the end instead of reporting the end (for endless call sources).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public static async ValueTask<Y4mFileSource> OpenAsync(string path, bool loop = false, CancellationToken cancellationToken = default)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        try
        {
            var header = await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false)
                ?? throw new MediaException(MediaError.InvalidVideoData, "Empty Y4M file.");
            return new Y4mFileSource(stream, ParseHeader(header), loop);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<I420Frame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        var marker = await ReadLineAsync(_stream, cancellationToken).ConfigureAwait(false);
        if (marker is null && _loop && _stream.Position > _firstFrameOffset)
        {
            _stream.Seek(_firstFrameOffset, SeekOrigin.Begin);
            marker = await ReadLineAsync(_stream, cancellationToken).ConfigureAwait(false);
        }

        if (marker is null)
        {
            return null;
        }

        if (marker != "FRAME" && !marker.StartsWith("FRAME ", StringComparison.Ordinal))
        {
            throw new MediaException(MediaError.InvalidVideoData, "Expected a Y4M FRAME marker.");
        }

        var frame = new I420Frame(Format.Width, Format.Height);
        try
        {
            var read = await _stream.ReadAtLeastAsync(frame.Data, frame.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read != frame.Length)
            {
                throw new MediaException(MediaError.InvalidVideoData, "Truncated Y4M frame.");
            }

            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    internal static VideoFormat ParseHeader(string header)
    {
        var tokens = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0 || tokens[0] != "YUV4MPEG2")
        {
            throw new MediaException(MediaError.InvalidVideoData, "Not a YUV4MPEG2 file.");
        }

        int? width = null, height = null;
        int fpsNum = 25, fpsDen = 1;
        foreach (var token in tokens.Skip(1))
        {
            var value = token[1..];
            switch (token[0])
            {
                case 'W':
                    width = ParsePositive(value, "width");
                    break;
                case 'H':
                    height = ParsePositive(value, "height");
                    break;
                case 'F':
                    var parts = value.Split(':');
                    if (parts.Length != 2)
                    {
                        throw new MediaException(MediaError.InvalidVideoData, "Bad Y4M frame rate.");
                    }

                    fpsNum = ParsePositive(parts[0], "frame rate");
                    fpsDen = ParsePositive(parts[1], "frame rate");
                    break;
                case 'C':
                    if (!SupportedColorSpaces.Contains(value))
                    {
                        throw new MediaException(MediaError.UnsupportedVideoFormat, $"Y4M colour space C{value} is not supported; only 8-bit 4:2:0.");
                    }

                    break;
                case 'I':
                    if (value is not ("p" or "?"))
                    {
                        throw new MediaException(MediaError.UnsupportedVideoFormat, "Interlaced Y4M is not supported.");
                    }

                    break;
                default:
                    break; // A (aspect), X (comments) and unknown tags carry nothing we need.
            }
        }

        if (width is null || height is null || width > I420Frame.MaxDimension || height > I420Frame.MaxDimension)
        {
            throw new MediaException(MediaError.InvalidVideoData, "Y4M header needs W and H within limits.");
        }

        return new VideoFormat(width.Value, height.Value, fpsNum, fpsDen);
    }

    private static int ParsePositive(string value, string what) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new MediaException(MediaError.InvalidVideoData, $"Bad Y4M {what}.");

    // Y4M headers are short ASCII lines ended by '\n'; reading byte by byte keeps the stream positioned at the pixels.
    private static async ValueTask<string?> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            var read = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return line.Length == 0 ? null : throw new MediaException(MediaError.InvalidVideoData, "Truncated Y4M header.");
            }

            if (one[0] == (byte)'\n')
            {
                return line.ToString();
            }

            if (line.Length >= MaxHeaderLength || one[0] < 0x20 || one[0] > 0x7e)
            {
                throw new MediaException(MediaError.InvalidVideoData, "Malformed Y4M header.");
            }

            line.Append((char)one[0]);
        }
    }
}
