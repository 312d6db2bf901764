namespace IrohSocial.Media.Framing;

/// <summary>
/// The 18 bytes every call/1 unidirectional media stream starts with:
/// <c>[u8 version = 1][u8 stream_kind][16-byte call_id]</c>, the call id as a UUID in RFC 9562 (big-endian) byte order.
/// The callee matches the call id against the call it accepted before reading any frame.
/// </summary>
/// <param name="CallId">The call the stream belongs to (the call_id of the Offer).</param>
/// <param name="Kind">What the stream carries.</param>
internal readonly record struct MediaStreamPreamble(Guid CallId, MediaStreamKind Kind)
{
    /// <summary>The only preamble version defined.</summary>
    public const byte Version = 1;

    /// <summary>Encoded size in bytes.</summary>
    public const int Size = 18;

    /// <summary>Writes the preamble.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The preamble needs {Size} bytes.", nameof(destination));
        }

        destination[0] = Version;
        destination[1] = (byte)Kind;
        CallId.TryWriteBytes(destination.Slice(2, 16), bigEndian: true, out _);
    }

    /// <summary>Encodes the preamble into a new array.</summary>
    /// <returns>The 18 bytes.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Parses a preamble; fails on a short input, an unknown version or an unknown stream kind.</summary>
    /// <param name="source">Encoded bytes.</param>
    /// <param name="preamble">The parsed preamble.</param>
    /// <returns>False when the bytes are not a valid preamble.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out MediaStreamPreamble preamble)
    {
        preamble = default;
        if (source.Length < Size || source[0] != Version || !Enum.IsDefined((MediaStreamKind)source[1]))
        {
            return false;
        }

        preamble = new MediaStreamPreamble(new Guid(source.Slice(2, 16), bigEndian: true), (MediaStreamKind)source[1]);
        return true;
    }

    /// <summary>Writes the preamble to the start of a stream.</summary>
    /// <param name="stream">The media stream.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async ValueTask WriteAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await stream.WriteAsync(ToArray(), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the preamble from the start of a stream.</summary>
    /// <param name="stream">The media stream.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The preamble.</returns>
    /// <exception cref="MediaException">The stream ended early (<see cref="MediaError.TruncatedStream"/>) or the bytes are invalid (<see cref="MediaError.InvalidPreamble"/>).</exception>
    public static async ValueTask<MediaStreamPreamble> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var bytes = new byte[Size];
        try
        {
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw new MediaException(MediaError.TruncatedStream, "The media stream ended inside its preamble.", ex);
        }

        return TryRead(bytes, out MediaStreamPreamble preamble)
            ? preamble
            : throw new MediaException(MediaError.InvalidPreamble, "The media stream does not start with a valid preamble.");
    }
}
