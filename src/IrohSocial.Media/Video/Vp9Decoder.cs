using IrohSocial.Media.Video.Internal;
using VpxSharp;

namespace IrohSocial.Media.Video;

/// <summary>
/// A VP9 decoder over libvpx producing <see cref="I420Frame"/>s. Corrupt input is an expected network condition: it is
/// reported as <see cref="VideoDecodeStatus.Corrupt"/>, never thrown. Not thread-safe.
/// </summary>
internal sealed unsafe class Vp9Decoder : IDisposable
{
    private readonly VpxCodecContextHandle _context;

    /// <summary>Creates a decoder.</summary>
    /// <param name="threads">Decoder threads (1..64).</param>
    /// <exception cref="MediaException"><see cref="MediaError.CodecUnavailable"/> or <see cref="MediaError.CodecInitFailed"/>.</exception>
    public Vp9Decoder(int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threads, 64);
        VpxErrors.EnsureLibraryLoaded();
        _context = new VpxCodecContextHandle();
        var config = new vpx_codec_dec_cfg_t { threads = (uint)threads };
        var status = Vpx.vpx_codec_dec_init_ver(_context, Vpx.vpx_codec_vp9_dx(), &config, default, Vpx.VPX_DECODER_ABI_VERSION);
        if (status != vpx_codec_err_t.VPX_CODEC_OK)
        {
            var message = VpxErrors.Describe(status, _context);
            _context.Dispose();
            throw new MediaException(MediaError.CodecInitFailed, $"vpx_codec_dec_init_ver failed: {message}");
        }
    }

    /// <summary>Decodes one compressed frame (as produced by <see cref="Vp9Encoder"/> or read from IVF).</summary>
    public VideoDecodeResult Decode(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        if (data.IsEmpty)
        {
            // An empty buffer means "flush" to libvpx; on the wire it can only be damage.
            return new VideoDecodeResult(VideoDecodeStatus.Corrupt, null, "empty frame");
        }

        vpx_image_t* image;
        fixed (byte* input = data)
        {
            var status = Vpx.vpx_codec_decode(_context, input, (uint)data.Length, null, default);
            if (status != vpx_codec_err_t.VPX_CODEC_OK)
            {
                return new VideoDecodeResult(VideoDecodeStatus.Corrupt, null, VpxErrors.Describe(status, _context));
            }

            void* iterator = null;
            image = Vpx.vpx_codec_get_frame(_context, &iterator);
            if (image == null)
            {
                return new VideoDecodeResult(VideoDecodeStatus.NoFrame, null, null);
            }

            // Drain any further pictures (VP9 superframes show at most one; this keeps the iterator contract).
            while (Vpx.vpx_codec_get_frame(_context, &iterator) != null)
            {
            }
        }

        if (image->fmt != vpx_img_fmt_t.VPX_IMG_FMT_I420 || image->d_w == 0 || image->d_h == 0
            || image->d_w > I420Frame.MaxDimension || image->d_h > I420Frame.MaxDimension)
        {
            return new VideoDecodeResult(VideoDecodeStatus.Corrupt, null, $"unsupported picture {image->fmt} {image->d_w}x{image->d_h}");
        }

        var frame = new I420Frame((int)image->d_w, (int)image->d_h);
        CopyPlane(image->planes[Vpx.VPX_PLANE_Y], image->stride[Vpx.VPX_PLANE_Y], frame.Y, frame.Width, frame.Height);
        CopyPlane(image->planes[Vpx.VPX_PLANE_U], image->stride[Vpx.VPX_PLANE_U], frame.U, frame.ChromaWidth, frame.ChromaHeight);
        CopyPlane(image->planes[Vpx.VPX_PLANE_V], image->stride[Vpx.VPX_PLANE_V], frame.V, frame.ChromaWidth, frame.ChromaHeight);
        return new VideoDecodeResult(VideoDecodeStatus.Decoded, frame, null);
    }

    /// <inheritdoc />
    public void Dispose() => _context.Dispose();

    private static void CopyPlane(byte* source, int stride, Span<byte> destination, int width, int height)
    {
        for (var row = 0; row < height; row++)
        {
            new ReadOnlySpan<byte>(source + ((long)row * stride), width).CopyTo(destination.Slice(row * width, width));
        }
    }
}
