namespace IrohSocial.Media.Framing;

/// <summary>Reads <c>[header][data]</c> frames from a media stream, refusing oversized frames before reading them.</summary>
internal sealed class MediaFrameReader
{
    private readonly Stream _stream;
    private readonly int _maxDataLength;
    private readonly byte[] _header = new byte[MediaFrameHeader.Size];

    /// <summary>Creates a reader.</summary>
    /// <param name="stream">The stream, positioned after its preamble.</param>
    /// <param name="maxDataLength">Largest frame data accepted (bytes, at most 65535).</param>
    public MediaFrameReader(Stream stream, int maxDataLength = ushort.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDataLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDataLength, ushort.MaxValue);
        _stream = stream;
        _maxDataLength = maxDataLength;
    }

    /// <summary>Reads the next frame.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The frame, or null when the stream ended cleanly between frames.</returns>
    /// <exception cref="MediaException">A frame was cut short (<see cref="MediaError.TruncatedStream"/>) or too large (<see cref="MediaError.InvalidFrame"/>).</exception>
    public async ValueTask<MediaFrame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        int read = await _stream.ReadAtLeastAsync(_header, _header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < _header.Length)
        {
            throw new MediaException(MediaError.TruncatedStream, "The media stream ended inside a frame header.");
        }

        MediaFrameHeader.TryRead(_header, out MediaFrameHeader header);
        if (header.Length > _maxDataLength)
        {
            throw new MediaException(MediaError.InvalidFrame, $"A media frame announced {header.Length} bytes; the limit is {_maxDataLength}.");
        }

        var data = new byte[header.Length];
        try
        {
            await _stream.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw new MediaException(MediaError.TruncatedStream, "The media stream ended inside a frame.", ex);
        }

        return new MediaFrame(header, data);
    }
}
