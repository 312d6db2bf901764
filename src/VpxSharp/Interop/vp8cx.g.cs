// Raw bindings for <vpx/vp8cx.h> (libvpx 1.12). Names and layout mirror the C header one to one; the layout
// test (tests/VpxSharp.Tests) compiles a C probe and checks every size, offset and control id.
#nullable enable
#pragma warning disable CS1591 // members mirror the C header; see vp8cx.h for their documentation
using System.Runtime.InteropServices;

namespace VpxSharp;

/// <summary><c>enum vp8e_enc_control_id</c>: encoder control ids for <see cref="Vpx.vpx_codec_control_(VpxCodecContextHandle, int, int)"/>.</summary>
public enum vp8e_enc_control_id
{
    VP8E_SET_ROI_MAP = 8,
    VP8E_SET_ACTIVEMAP,
    VP8E_SET_SCALEMODE = 11,
    VP8E_SET_CPUUSED = 13,
    VP8E_SET_ENABLEAUTOALTREF,
    VP8E_SET_NOISE_SENSITIVITY,
    VP8E_SET_SHARPNESS,
    VP8E_SET_STATIC_THRESHOLD,
    VP8E_SET_TOKEN_PARTITIONS,
    VP8E_GET_LAST_QUANTIZER,
    VP8E_GET_LAST_QUANTIZER_64,
    VP8E_SET_ARNR_MAXFRAMES,
    VP8E_SET_ARNR_STRENGTH,
    VP8E_SET_ARNR_TYPE,
    VP8E_SET_TUNING,
    VP8E_SET_CQ_LEVEL,
    VP8E_SET_MAX_INTRA_BITRATE_PCT,
    VP8E_SET_FRAME_FLAGS,
    VP9E_SET_MAX_INTER_BITRATE_PCT,
    VP9E_SET_GF_CBR_BOOST_PCT,
    VP8E_SET_TEMPORAL_LAYER_ID,
    VP8E_SET_SCREEN_CONTENT_MODE,
    VP9E_SET_LOSSLESS,
    VP9E_SET_TILE_COLUMNS,
    VP9E_SET_TILE_ROWS,
    VP9E_SET_FRAME_PARALLEL_DECODING,
    VP9E_SET_AQ_MODE,
    VP9E_SET_FRAME_PERIODIC_BOOST,
    VP9E_SET_NOISE_SENSITIVITY,
    VP9E_SET_SVC,
    VP9E_SET_ROI_MAP,
    VP9E_SET_SVC_PARAMETERS,
    VP9E_SET_SVC_LAYER_ID,
    VP9E_SET_TUNE_CONTENT,
    VP9E_GET_SVC_LAYER_ID,
    VP9E_REGISTER_CX_CALLBACK,
    VP9E_SET_COLOR_SPACE,
    VP9E_SET_MIN_GF_INTERVAL = 48,
    VP9E_SET_MAX_GF_INTERVAL,
    VP9E_GET_ACTIVEMAP,
    VP9E_SET_COLOR_RANGE,
    VP9E_SET_SVC_REF_FRAME_CONFIG,
    VP9E_SET_RENDER_SIZE,
    VP9E_SET_TARGET_LEVEL,
    VP9E_SET_ROW_MT,
    VP9E_GET_LEVEL,
    VP9E_SET_ALT_REF_AQ,
    VP8E_SET_GF_CBR_BOOST_PCT,
    VP9E_ENABLE_MOTION_VECTOR_UNIT_TEST,
    VP9E_SET_SVC_INTER_LAYER_PRED,
    VP9E_SET_SVC_FRAME_DROP_LAYER,
    VP9E_GET_SVC_REF_FRAME_CONFIG,
    VP9E_SET_SVC_GF_TEMPORAL_REF,
    VP9E_SET_SVC_SPATIAL_LAYER_SYNC,
    VP9E_SET_TPL,
    VP9E_SET_POSTENCODE_DROP,
    VP9E_SET_DELTA_Q_UV,
    VP9E_SET_DISABLE_OVERSHOOT_MAXQ_CBR,
    VP9E_SET_DISABLE_LOOPFILTER,
    VP9E_SET_EXTERNAL_RATE_CONTROL,
    VP9E_SET_RTC_EXTERNAL_RATECTRL,
    VP9E_GET_LOOPFILTER_LEVEL,
    VP9E_GET_LAST_QUANTIZER_SVC_LAYERS,
    VP8E_SET_RTC_EXTERNAL_RATECTRL,
}

/// <summary><c>enum vpx_scaling_mode_1d</c> (VPX_SCALING_MODE).</summary>
public enum VPX_SCALING_MODE
{
    VP8E_NORMAL = 0,
    VP8E_FOURFIVE = 1,
    VP8E_THREEFIVE = 2,
    VP8E_ONETWO = 3,
}

/// <summary><c>struct vpx_scaling_mode</c> (vpx_scaling_mode_t), the argument of <c>VP8E_SET_SCALEMODE</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct vpx_scaling_mode_t
{
    public VPX_SCALING_MODE h_scaling_mode;
    public VPX_SCALING_MODE v_scaling_mode;
}

/// <summary><c>vp9e_tune_content</c>, the argument of <c>VP9E_SET_TUNE_CONTENT</c>.</summary>
public enum vp9e_tune_content
{
    VP9E_CONTENT_DEFAULT,
    VP9E_CONTENT_SCREEN,
    VP9E_CONTENT_FILM,
    VP9E_CONTENT_INVALID,
}

/// <summary><c>vp8e_tuning</c>, the argument of <c>VP8E_SET_TUNING</c>.</summary>
public enum vp8e_tuning
{
    VP8_TUNE_PSNR,
    VP8_TUNE_SSIM,
}

public static unsafe partial class Vpx
{
    public const int VP8_EFLAG_NO_REF_LAST = 1 << 16;
    public const int VP8_EFLAG_NO_REF_GF = 1 << 17;
    public const int VP8_EFLAG_NO_REF_ARF = 1 << 21;
    public const int VP8_EFLAG_NO_UPD_LAST = 1 << 18;
    public const int VP8_EFLAG_NO_UPD_GF = 1 << 22;
    public const int VP8_EFLAG_NO_UPD_ARF = 1 << 23;
    public const int VP8_EFLAG_FORCE_GF = 1 << 19;
    public const int VP8_EFLAG_FORCE_ARF = 1 << 24;
    public const int VP8_EFLAG_NO_UPD_ENTROPY = 1 << 20;

    /// <summary><c>extern vpx_codec_iface_t *vpx_codec_vp8_cx(void);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_iface_t* vpx_codec_vp8_cx();

    /// <summary><c>extern vpx_codec_iface_t *vpx_codec_vp9_cx(void);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_iface_t* vpx_codec_vp9_cx();
}
