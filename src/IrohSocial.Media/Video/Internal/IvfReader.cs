using System.Buffers.Binary;

namespace IrohSocial.Media.Video.Internal;

/// <summary>Reads the frames of an IVF file (tests and benchmarks replay encoded streams with it).</summary>
internal sealed class IvfReader
{
    private readonly Stream _stream;

    private IvfReader(Stream stream, string fourCc, int width, int height, int rate, int scale, int frameCount)
    {
        _stream = stream;
        FourCc = fourCc;
        Width = width;
        Height = height;
        Rate = rate;
        Scale = scale;
        FrameCount = frameCount;
    }

    public string FourCc { get; }

    public int Width { get; }

    public int Height { get; }

    public int Rate { get; }

    public int Scale { get; }

    public int FrameCount { get; }

    public static IvfReader Open(Stream stream)
    {
        Span<byte> header = stackalloc byte[IvfWriter.FileHeaderSize];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) != header.Length || !header[..4].SequenceEqual("DKIF"u8))
        {
            throw new MediaException(MediaError.InvalidVideoData, "Not an IVF file.");
        }

        var headerSize = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
        if (headerSize < IvfWriter.FileHeaderSize)
        {
            throw new MediaException(MediaError.InvalidVideoData, "Bad IVF header size.");
        }

        stream.Seek(headerSize - IvfWriter.FileHeaderSize, SeekOrigin.Current);
        return new IvfReader(
            stream,
            System.Text.Encoding.ASCII.GetString(header.Slice(8, 4)),
            BinaryPrimitives.ReadUInt16LittleEndian(header[12..]),
            BinaryPrimitives.ReadUInt16LittleEndian(header[14..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(header[16..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(header[20..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(header[24..]));
    }

    /// <summary>The next frame's data and timestamp, or null at the end.</summary>
    public (byte[] Data, long Timestamp)? ReadFrame()
    {
        Span<byte> header = stackalloc byte[IvfWriter.FrameHeaderSize];
        var read = _stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read == 0)
        {
            return null;
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (read != header.Length || size > VideoFrameHeader.MaxPayloadLength)
        {
            throw new MediaException(MediaError.InvalidVideoData, "Truncated or oversized IVF frame.");
        }

        var data = new byte[size];
        _stream.ReadExactly(data);
        return (data, BinaryPrimitives.ReadInt64LittleEndian(header[4..]));
    }
}
