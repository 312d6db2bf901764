using IrohSocial.Media.Video.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VpxSharp;

namespace IrohSocial.Media.Video;

/// <summary>
/// A realtime VP9 encoder over libvpx: constant bitrate, no lag, keyframe at least every
/// <see cref="Vp9EncoderOptions.KeyframeInterval"/> frames, forced keyframes on request, bitrate changes without
/// re-initialisation, and any source size.
/// </summary>
/// <remarks>
/// Sources of any I420 size are accepted. The libvpx context is (re)initialised at the source's size when it first
/// sees a frame or when the source size changes (that frame is a keyframe); libvpx then scales internally
/// (<c>VP8E_SET_SCALEMODE</c>, factors 1, 4/5, 3/5, 1/2) to the largest size that fits the configured
/// <see cref="Width"/> x <see cref="Height"/>. A source smaller than the target is never scaled up. Not thread-safe.
/// </remarks>
internal sealed unsafe class Vp9Encoder : IDisposable
{
    // libvpx's VP8E_SET_SCALEMODE factors, largest first (numerator, denominator, mode).
    private static readonly (int Num, int Den, VPX_SCALING_MODE Mode)[] ScaleModes =
    [
        (1, 1, VPX_SCALING_MODE.VP8E_NORMAL),
        (4, 5, VPX_SCALING_MODE.VP8E_FOURFIVE),
        (3, 5, VPX_SCALING_MODE.VP8E_THREEFIVE),
        (1, 2, VPX_SCALING_MODE.VP8E_ONETWO),
    ];

    private readonly Vp9EncoderOptions _options;
    private readonly ILogger _logger;
    private VpxCodecContextHandle? _context;
    private vpx_codec_enc_cfg_t _config;
    private VPX_SCALING_MODE _scaleMode = VPX_SCALING_MODE.VP8E_NORMAL;
    private long _nextFrameIndex;
    private bool _disposed;

    /// <summary>Creates an encoder; the libvpx context is created with the first frame.</summary>
    /// <param name="options">Settings; <see cref="Vp9EncoderOptions.Default"/> when null.</param>
    /// <param name="logger">Receives (re)initialisation and scaling events.</param>
    /// <exception cref="MediaException"><see cref="MediaError.CodecUnavailable"/> when libvpx is missing.</exception>
    public Vp9Encoder(Vp9EncoderOptions? options = null, ILogger? logger = null)
    {
        _options = options ?? Vp9EncoderOptions.Default;
        _logger = logger ?? NullLogger.Instance;
        _options.Validate();
        VpxErrors.EnsureLibraryLoaded();
        Width = _options.Width;
        Height = _options.Height;
        TargetBitrateKbps = _options.TargetBitrateKbps;
    }

    /// <summary>Largest encoded width currently configured.</summary>
    public int Width { get; private set; }

    /// <summary>Largest encoded height currently configured.</summary>
    public int Height { get; private set; }

    /// <summary>Current target bitrate in kbit/s.</summary>
    public int TargetBitrateKbps { get; private set; }

    /// <summary>Width of the frames the libvpx context was initialised for (0 before the first frame).</summary>
    public int SourceWidth { get; private set; }

    /// <summary>Height of the frames the libvpx context was initialised for (0 before the first frame).</summary>
    public int SourceHeight { get; private set; }

    /// <summary>How many times the libvpx context has been (re)initialised.</summary>
    public int InitializationCount { get; private set; }

    /// <summary>
    /// Encodes one frame. Returns the compressed frames libvpx produced for it (normally exactly one; none if rate
    /// control dropped it).
    /// </summary>
    /// <param name="frame">The picture; any size. The encoder does not keep it.</param>
    /// <param name="forceKeyframe">Produce a keyframe now (e.g. the receiver asked for one after loss).</param>
    /// <exception cref="MediaException"><see cref="MediaError.EncodeFailed"/> or <see cref="MediaError.CodecInitFailed"/>.</exception>
    public IReadOnlyList<EncodedVideoFrame> Encode(I420Frame frame, bool forceKeyframe = false)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_disposed, this);

        if (_context is null || frame.Width != SourceWidth || frame.Height != SourceHeight)
        {
            Initialize(frame.Width, frame.Height);
            forceKeyframe = true;
        }

        var context = _context!;
        var output = new List<EncodedVideoFrame>(1);
        using (var pin = frame.Data.Pin())
        {
            var data = (byte*)pin.Pointer;
            vpx_image_t image;
            Vpx.vpx_img_wrap(&image, vpx_img_fmt_t.VPX_IMG_FMT_I420, (uint)frame.Width, (uint)frame.Height, 1, data);

            // vpx_img_wrap rounds odd widths up to even strides; our planes are tightly packed, so set them exactly.
            image.planes[Vpx.VPX_PLANE_Y] = data;
            image.planes[Vpx.VPX_PLANE_U] = data + (frame.Width * frame.Height);
            image.planes[Vpx.VPX_PLANE_V] = data + (frame.Width * frame.Height) + (frame.ChromaWidth * frame.ChromaHeight);
            image.stride[Vpx.VPX_PLANE_Y] = frame.Width;
            image.stride[Vpx.VPX_PLANE_U] = frame.ChromaWidth;
            image.stride[Vpx.VPX_PLANE_V] = frame.ChromaWidth;

            var flags = forceKeyframe ? Vpx.VPX_EFLAG_FORCE_KF : 0;
            var status = Vpx.vpx_codec_encode(context, &image, _nextFrameIndex, new(1), new(flags), new(Vpx.VPX_DL_REALTIME));
            VpxErrors.ThrowIfFailed(status, context, MediaError.EncodeFailed, "vpx_codec_encode");
            _nextFrameIndex++;

            void* iterator = null;
            vpx_codec_cx_pkt_t* packet;
            while ((packet = Vpx.vpx_codec_get_cx_data(context, &iterator)) != null)
            {
                if (packet->kind != vpx_codec_cx_pkt_kind.VPX_CODEC_CX_FRAME_PKT)
                {
                    continue;
                }

                ref var f = ref packet->data.frame;
                var bytes = new ReadOnlySpan<byte>(f.buf, checked((int)f.sz)).ToArray();
                output.Add(new EncodedVideoFrame(bytes, (f.flags & Vpx.VPX_FRAME_IS_KEY) != 0, (int)f.width[0], (int)f.height[0], f.pts));
            }
        }

        return output;
    }

    /// <summary>Changes the target bitrate on the running encoder (no re-initialisation, no keyframe).</summary>
    /// <param name="kbps">New target in kbit/s, 10..100000.</param>
    public void SetBitrate(int kbps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kbps, 10);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(kbps, 100_000);
        ObjectDisposedException.ThrowIf(_disposed, this);
        TargetBitrateKbps = kbps;
        if (_context is not null)
        {
            _config.rc_target_bitrate = (uint)kbps;
            fixed (vpx_codec_enc_cfg_t* config = &_config)
            {
                VpxErrors.ThrowIfFailed(Vpx.vpx_codec_enc_config_set(_context, config), _context, MediaError.EncodeFailed, "vpx_codec_enc_config_set");
            }
        }
    }

    /// <summary>
    /// Changes the largest encoded size and the bitrate, as the adaptive controller asks. Scaling is applied inside
    /// libvpx from the next frame; the source keeps its size.
    /// </summary>
    public void Reconfigure(int width, int height, int bitrateKbps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, I420Frame.MaxDimension);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, I420Frame.MaxDimension);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Width = width;
        Height = height;
        SetBitrate(bitrateKbps);
        if (_context is not null)
        {
            ApplyScaleMode();
        }
    }

    /// <summary>The encoded size libvpx produces for a source of the given size under the current target.</summary>
    public (int Width, int Height) GetEncodedSize(int sourceWidth, int sourceHeight)
    {
        var (num, den, _) = ChooseScale(sourceWidth, sourceHeight);
        return (ScaledDimension(sourceWidth, num, den), ScaledDimension(sourceHeight, num, den));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _context?.Dispose();
        _context = null;
    }

    // libvpx's own rounding in vp9_set_internal_size: (den - 1 + size * num) / den.
    private static int ScaledDimension(int size, int num, int den) => (den - 1 + (size * num)) / den;

    private (int Num, int Den, VPX_SCALING_MODE Mode) ChooseScale(int sourceWidth, int sourceHeight)
    {
        foreach (var mode in ScaleModes)
        {
            if (ScaledDimension(sourceWidth, mode.Num, mode.Den) <= Width && ScaledDimension(sourceHeight, mode.Num, mode.Den) <= Height)
            {
                return mode;
            }
        }

        // libvpx offers nothing smaller than 1/2; a source more than twice the target is sent at half size.
        return ScaleModes[^1];
    }

    private void Initialize(int sourceWidth, int sourceHeight)
    {
        _context?.Dispose();
        _context = null;

        vpx_codec_enc_cfg_t config;
        var iface = Vpx.vpx_codec_vp9_cx();
        var status = Vpx.vpx_codec_enc_config_default(iface, &config, 0);
        if (status != vpx_codec_err_t.VPX_CODEC_OK)
        {
            throw new MediaException(MediaError.CodecInitFailed, $"vpx_codec_enc_config_default failed: {status}");
        }

        // Realtime settings as WebRTC uses them for VP9: one pass CBR, no lag, no frame dropping (the call layer
        // adapts the bitrate instead), cyclic-refresh AQ set below.
        config.g_w = (uint)sourceWidth;
        config.g_h = (uint)sourceHeight;
        config.g_threads = (uint)_options.Threads;
        config.g_timebase = new vpx_rational_t { num = 1, den = _options.FramesPerSecond };
        config.g_lag_in_frames = 0;
        config.g_pass = vpx_enc_pass.VPX_RC_ONE_PASS;
        config.g_error_resilient = 0;
        config.rc_end_usage = vpx_rc_mode.VPX_CBR;
        config.rc_target_bitrate = (uint)TargetBitrateKbps;
        config.rc_min_quantizer = 2;
        config.rc_max_quantizer = 52;
        config.rc_undershoot_pct = 50;
        config.rc_overshoot_pct = 50;
        config.rc_buf_initial_sz = 500;
        config.rc_buf_optimal_sz = 600;
        config.rc_buf_sz = 1000;
        config.rc_dropframe_thresh = 0;
        config.rc_resize_allowed = 0;
        config.kf_mode = vpx_kf_mode.VPX_KF_AUTO;
        config.kf_min_dist = 0;
        config.kf_max_dist = (uint)_options.KeyframeInterval;

        var context = new VpxCodecContextHandle();
        try
        {
            status = Vpx.vpx_codec_enc_init_ver(context, iface, &config, default, Vpx.VPX_ENCODER_ABI_VERSION);
            VpxErrors.ThrowIfFailed(status, context, MediaError.CodecInitFailed, "vpx_codec_enc_init_ver");
            Control(context, vp8e_enc_control_id.VP8E_SET_CPUUSED, _options.CpuUsed);
            Control(context, vp8e_enc_control_id.VP9E_SET_AQ_MODE, 3);
            Control(context, vp8e_enc_control_id.VP8E_SET_STATIC_THRESHOLD, 1);
            Control(context, vp8e_enc_control_id.VP9E_SET_TUNE_CONTENT, (int)vp9e_tune_content.VP9E_CONTENT_DEFAULT);
            if (_options.Threads > 1)
            {
                Control(context, vp8e_enc_control_id.VP9E_SET_TILE_COLUMNS, Math.Min(6, (int)Math.Log2(_options.Threads)));
                Control(context, vp8e_enc_control_id.VP9E_SET_ROW_MT, 1);
            }
        }
        catch
        {
            context.Dispose();
            throw;
        }

        _context = context;
        _config = config;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        _scaleMode = VPX_SCALING_MODE.VP8E_NORMAL;
        InitializationCount++;
        VideoLog.EncoderInitialized(_logger, sourceWidth, sourceHeight, _options.Threads, TargetBitrateKbps);
        ApplyScaleMode();
    }

    private void ApplyScaleMode()
    {
        var mode = ChooseScale(SourceWidth, SourceHeight).Mode;
        if (mode == _scaleMode)
        {
            return;
        }

        var scaling = new vpx_scaling_mode_t { h_scaling_mode = mode, v_scaling_mode = mode };
        var status = Vpx.vpx_codec_control_(_context!, (int)vp8e_enc_control_id.VP8E_SET_SCALEMODE, &scaling);
        VpxErrors.ThrowIfFailed(status, _context!, MediaError.EncodeFailed, "VP8E_SET_SCALEMODE");
        _scaleMode = mode;
        var (width, height) = GetEncodedSize(SourceWidth, SourceHeight);
        VideoLog.EncoderScaled(_logger, SourceWidth, SourceHeight, width, height);
    }

    private static void Control(VpxCodecContextHandle context, vp8e_enc_control_id id, int value) =>
        VpxErrors.ThrowIfFailed(Vpx.vpx_codec_control_(context, (int)id, value), context, MediaError.CodecInitFailed, id.ToString());
}
