using System.Buffers;

namespace IrohSocial.Media.Video;

/// <summary>
/// An 8-bit 4:2:0 planar (I420) picture: a full-resolution Y plane followed by quarter-resolution U and V planes,
/// stored tightly packed in one buffer rented from <see cref="ArrayPool{T}.Shared"/>. Dispose returns the buffer.
/// </summary>
/// <remarks>
/// Odd sizes are allowed; chroma planes are <c>ceil(width / 2)</c> by <c>ceil(height / 2)</c>. Strides equal the
/// plane widths, so <see cref="Data"/> is exactly one frame of a raw I420 (or Y4M <c>C420</c>) file.
/// </remarks>
public sealed class I420Frame : IDisposable
{
    /// <summary>The largest width or height accepted (VP9's limit is 65536; this bounds memory per frame).</summary>
    public const int MaxDimension = 8192;

    private byte[]? _buffer;

    /// <summary>Creates a frame with uninitialised pixels.</summary>
    /// <param name="width">Width in pixels, 1..<see cref="MaxDimension"/>.</param>
    /// <param name="height">Height in pixels, 1..<see cref="MaxDimension"/>.</param>
    public I420Frame(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaxDimension);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaxDimension);
        Width = width;
        Height = height;
        ChromaWidth = (width + 1) / 2;
        ChromaHeight = (height + 1) / 2;
        Length = GetSize(width, height);
        _buffer = ArrayPool<byte>.Shared.Rent(Length);
    }

    /// <summary>Width of the Y plane in pixels.</summary>
    public int Width { get; }

    /// <summary>Height of the Y plane in pixels.</summary>
    public int Height { get; }

    /// <summary>Width of the U and V planes: <c>ceil(Width / 2)</c>.</summary>
    public int ChromaWidth { get; }

    /// <summary>Height of the U and V planes: <c>ceil(Height / 2)</c>.</summary>
    public int ChromaHeight { get; }

    /// <summary>Total bytes of the three planes.</summary>
    public int Length { get; }

    /// <summary>All three planes, Y then U then V, tightly packed.</summary>
    public Memory<byte> Data => Buffer.AsMemory(0, Length);

    /// <summary>The Y (luma) plane; row stride is <see cref="Width"/>.</summary>
    public Span<byte> Y => Buffer.AsSpan(0, Width * Height);

    /// <summary>The U (Cb) plane; row stride is <see cref="ChromaWidth"/>.</summary>
    public Span<byte> U => Buffer.AsSpan(Width * Height, ChromaWidth * ChromaHeight);

    /// <summary>The V (Cr) plane; row stride is <see cref="ChromaWidth"/>.</summary>
    public Span<byte> V => Buffer.AsSpan((Width * Height) + (ChromaWidth * ChromaHeight), ChromaWidth * ChromaHeight);

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(I420Frame));

    /// <summary>Bytes needed for an I420 frame of the given size.</summary>
    public static int GetSize(int width, int height) => (width * height) + (2 * ((width + 1) / 2) * ((height + 1) / 2));

    /// <summary>Copies this frame's pixels into a new frame that the caller owns.</summary>
    public I420Frame Clone()
    {
        var copy = new I420Frame(Width, Height);
        Data.Span.CopyTo(copy.Data.Span);
        return copy;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
