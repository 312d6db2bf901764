using System.Buffers.Binary;

namespace IrohSocial.Media.Video;

/// <summary>
/// Writes a VP9 bitstream into an IVF file (the container of libvpx's tools), so a received stream can be played or
/// checked with any standard decoder (<c>vpxdec</c>, <c>ffplay</c>). Header: 32 bytes (<c>DKIF</c>, version 0,
/// header size, fourcc <c>VP90</c>, width, height, time base rate and scale, frame count); each frame: u32 size and
/// u64 timestamp, little-endian, then the data. The frame count is patched in on dispose when the stream can seek.
/// </summary>
public sealed class IvfWriter : IAsyncDisposable
{
    /// <summary>Size of the IVF file header.</summary>
    public const int FileHeaderSize = 32;

    /// <summary>Size of each IVF frame header.</summary>
    public const int FrameHeaderSize = 12;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _start;
    private readonly byte[] _frameHeader = new byte[FrameHeaderSize];
    private bool _disposed;

    /// <summary>Creates a writer on <paramref name="stream"/> and writes the file header.</summary>
    /// <param name="stream">A writable stream positioned where the file starts.</param>
    /// <param name="width">Nominal width written in the header (decoders follow the bitstream).</param>
    /// <param name="height">Nominal height written in the header.</param>
    /// <param name="timebaseDenominator">Timestamp ticks per second: 1000000 for microsecond timestamps, or the frame
    /// rate when timestamps are frame indexes.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open on dispose.</param>
    public IvfWriter(Stream stream, int width, int height, int timebaseDenominator = 1_000_000, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(timebaseDenominator, 1);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        _start = stream.CanSeek ? stream.Position : 0;
        Span<byte> header = stackalloc byte[FileHeaderSize];
        "DKIF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], FileHeaderSize);
        "VP90"u8.CopyTo(header[8..]);
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(header[14..], (ushort)height);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)timebaseDenominator);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], 0);
        _stream.Write(header);
    }

    /// <summary>Frames written so far.</summary>
    public int FrameCount { get; private set; }

    /// <summary>Creates (or overwrites) an IVF file.</summary>
    public static IvfWriter Create(string path, int width, int height, int timebaseDenominator = 1_000_000)
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 64 * 1024, useAsync: true);
        try
        {
            return new IvfWriter(file, width, height, timebaseDenominator);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Appends one compressed frame.</summary>
    /// <param name="frame">The VP9 data of one frame.</param>
    /// <param name="timestamp">Presentation time in time-base ticks.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, long timestamp, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        BinaryPrimitives.WriteUInt32LittleEndian(_frameHeader, (uint)frame.Length);
        BinaryPrimitives.WriteInt64LittleEndian(_frameHeader.AsSpan(4), timestamp);
        await _stream.WriteAsync(_frameHeader, cancellationToken).ConfigureAwait(false);
        await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        FrameCount++;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_stream.CanSeek)
            {
                var end = _stream.Position;
                var count = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(count, (uint)FrameCount);
                _stream.Seek(_start + 24, SeekOrigin.Begin);
                await _stream.WriteAsync(count).ConfigureAwait(false);
                _stream.Seek(end, SeekOrigin.Begin);
            }

            await _stream.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            if (!_leaveOpen)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
