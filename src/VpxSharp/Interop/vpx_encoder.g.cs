// Raw bindings for <vpx/vpx_encoder.h> (libvpx 1.12). Names and layout mirror the C header one to one; the layout
// test (tests/VpxSharp.Tests) compiles a C probe and checks every size and offset. Fields are documented in the header.
#nullable enable
#pragma warning disable CS1591 // members mirror the C header; see vpx_encoder.h for their documentation
using System.Runtime.InteropServices;

namespace VpxSharp;

/// <summary><c>struct vpx_fixed_buf</c> (vpx_fixed_buf_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct vpx_fixed_buf_t
{
    public void* buf;
    public nuint sz;
}

/// <summary><c>enum vpx_codec_cx_pkt_kind</c>.</summary>
public enum vpx_codec_cx_pkt_kind
{
    VPX_CODEC_CX_FRAME_PKT,
    VPX_CODEC_STATS_PKT,
    VPX_CODEC_FPMB_STATS_PKT,
    VPX_CODEC_PSNR_PKT,
    VPX_CODEC_CUSTOM_PKT = 256,
}

/// <summary>The anonymous <c>frame</c> member of <c>vpx_codec_cx_pkt_t.data</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct vpx_codec_cx_pkt_frame
{
    public void* buf;
    public nuint sz;
    /// <summary><c>vpx_codec_pts_t pts</c> (int64_t).</summary>
    public long pts;
    /// <summary><c>unsigned long duration</c>.</summary>
    public CULong duration;
    /// <summary><c>vpx_codec_frame_flags_t flags</c> (uint32_t, <c>VPX_FRAME_IS_*</c>).</summary>
    public uint flags;
    public int partition_id;
    public fixed uint width[Vpx.VPX_SS_MAX_LAYERS];
    public fixed uint height[Vpx.VPX_SS_MAX_LAYERS];
    public fixed byte spatial_layer_encoded[Vpx.VPX_SS_MAX_LAYERS];
}

/// <summary><c>struct vpx_psnr_pkt</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct vpx_psnr_pkt
{
    public fixed uint samples[4];
    public fixed ulong sse[4];
    public fixed double psnr[4];
}

/// <summary>The anonymous union <c>data</c> of <c>vpx_codec_cx_pkt_t</c>.</summary>
[StructLayout(LayoutKind.Explicit)]
public unsafe struct vpx_codec_cx_pkt_data
{
    [FieldOffset(0)] public vpx_codec_cx_pkt_frame frame;
    [FieldOffset(0)] public vpx_fixed_buf_t twopass_stats;
    [FieldOffset(0)] public vpx_fixed_buf_t firstpass_mb_stats;
    [FieldOffset(0)] public vpx_psnr_pkt psnr;
    [FieldOffset(0)] public vpx_fixed_buf_t raw;
    /// <summary><c>char pad[128 - sizeof(enum vpx_codec_cx_pkt_kind)]</c>.</summary>
    [FieldOffset(0)] public fixed byte pad[128 - sizeof(int)];
}

/// <summary><c>struct vpx_codec_cx_pkt</c> (vpx_codec_cx_pkt_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct vpx_codec_cx_pkt_t
{
    public vpx_codec_cx_pkt_kind kind;
    public vpx_codec_cx_pkt_data data;
}

/// <summary><c>struct vpx_rational</c> (vpx_rational_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct vpx_rational_t
{
    public int num;
    public int den;
}

/// <summary><c>enum vpx_enc_pass</c>.</summary>
public enum vpx_enc_pass
{
    VPX_RC_ONE_PASS,
    VPX_RC_FIRST_PASS,
    VPX_RC_LAST_PASS,
}

/// <summary><c>enum vpx_rc_mode</c>.</summary>
public enum vpx_rc_mode
{
    VPX_VBR,
    VPX_CBR,
    VPX_CQ,
    VPX_Q,
}

/// <summary><c>enum vpx_kf_mode</c>.</summary>
public enum vpx_kf_mode
{
    VPX_KF_FIXED = 0,
    VPX_KF_AUTO = 1,
    VPX_KF_DISABLED = 0,
}

/// <summary><c>struct vpx_codec_enc_cfg</c> (vpx_codec_enc_cfg_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct vpx_codec_enc_cfg_t
{
    public uint g_usage;
    public uint g_threads;
    public uint g_profile;
    public uint g_w;
    public uint g_h;
    public vpx_bit_depth_t g_bit_depth;
    public uint g_input_bit_depth;
    public vpx_rational_t g_timebase;
    /// <summary><c>vpx_codec_er_flags_t g_error_resilient</c> (uint32_t).</summary>
    public uint g_error_resilient;
    public vpx_enc_pass g_pass;
    public uint g_lag_in_frames;
    public uint rc_dropframe_thresh;
    public uint rc_resize_allowed;
    public uint rc_scaled_width;
    public uint rc_scaled_height;
    public uint rc_resize_up_thresh;
    public uint rc_resize_down_thresh;
    public vpx_rc_mode rc_end_usage;
    public vpx_fixed_buf_t rc_twopass_stats_in;
    public vpx_fixed_buf_t rc_firstpass_mb_stats_in;
    public uint rc_target_bitrate;
    public uint rc_min_quantizer;
    public uint rc_max_quantizer;
    public uint rc_undershoot_pct;
    public uint rc_overshoot_pct;
    public uint rc_buf_sz;
    public uint rc_buf_initial_sz;
    public uint rc_buf_optimal_sz;
    public uint rc_2pass_vbr_bias_pct;
    public uint rc_2pass_vbr_minsection_pct;
    public uint rc_2pass_vbr_maxsection_pct;
    public uint rc_2pass_vbr_corpus_complexity;
    public vpx_kf_mode kf_mode;
    public uint kf_min_dist;
    public uint kf_max_dist;
    public uint ss_number_layers;
    public fixed int ss_enable_auto_alt_ref[Vpx.VPX_SS_MAX_LAYERS];
    public fixed uint ss_target_bitrate[Vpx.VPX_SS_MAX_LAYERS];
    public uint ts_number_layers;
    public fixed uint ts_target_bitrate[Vpx.VPX_TS_MAX_LAYERS];
    public fixed uint ts_rate_decimator[Vpx.VPX_TS_MAX_LAYERS];
    public uint ts_periodicity;
    public fixed uint ts_layer_id[Vpx.VPX_TS_MAX_PERIODICITY];
    public fixed uint layer_target_bitrate[Vpx.VPX_MAX_LAYERS];
    public int temporal_layering_mode;
    public int use_vizier_rc_params;
    public vpx_rational_t active_wq_factor;
    public vpx_rational_t err_per_mb_factor;
    public vpx_rational_t sr_default_decay_limit;
    public vpx_rational_t sr_diff_factor;
    public vpx_rational_t kf_err_per_mb_factor;
    public vpx_rational_t kf_frame_min_boost_factor;
    public vpx_rational_t kf_frame_max_boost_first_factor;
    public vpx_rational_t kf_frame_max_boost_subs_factor;
    public vpx_rational_t kf_max_total_boost_factor;
    public vpx_rational_t gf_max_total_boost_factor;
    public vpx_rational_t gf_frame_max_boost_factor;
    public vpx_rational_t zm_factor;
    public vpx_rational_t rd_mult_inter_qp_fac;
    public vpx_rational_t rd_mult_arf_qp_fac;
    public vpx_rational_t rd_mult_key_qp_fac;
}

public static unsafe partial class Vpx
{
    public const int VPX_TS_MAX_PERIODICITY = 16;
    public const int VPX_TS_MAX_LAYERS = 5;
    public const int VPX_MAX_LAYERS = 12;
    public const int VPX_SS_MAX_LAYERS = 5;
    public const int VPX_SS_DEFAULT_LAYERS = 1;
    public const int VPX_EXT_RATECTRL_ABI_VERSION = 1;
    public const int VPX_ENCODER_ABI_VERSION = 15 + VPX_CODEC_ABI_VERSION + VPX_EXT_RATECTRL_ABI_VERSION;
    public const int VPX_CODEC_CAP_PSNR = 0x10000;
    public const int VPX_CODEC_CAP_OUTPUT_PARTITION = 0x20000;
    public const int VPX_CODEC_USE_PSNR = 0x10000;
    public const int VPX_CODEC_USE_OUTPUT_PARTITION = 0x20000;
    public const int VPX_CODEC_USE_HIGHBITDEPTH = 0x40000;
    public const uint VPX_FRAME_IS_KEY = 0x1;
    public const uint VPX_FRAME_IS_DROPPABLE = 0x2;
    public const uint VPX_FRAME_IS_INVISIBLE = 0x4;
    public const uint VPX_FRAME_IS_FRAGMENT = 0x8;
    public const uint VPX_ERROR_RESILIENT_DEFAULT = 0x1;
    public const uint VPX_ERROR_RESILIENT_PARTITIONS = 0x2;
    public const int VPX_EFLAG_FORCE_KF = 1 << 0;
    public const uint VPX_DL_REALTIME = 1;
    public const uint VPX_DL_GOOD_QUALITY = 1000000;
    public const uint VPX_DL_BEST_QUALITY = 0;

    /// <summary><c>vpx_codec_err_t vpx_codec_enc_init_ver(vpx_codec_ctx_t *ctx, vpx_codec_iface_t *iface, const vpx_codec_enc_cfg_t *cfg, vpx_codec_flags_t flags, int ver);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_err_t vpx_codec_enc_init_ver(VpxCodecContextHandle ctx, vpx_codec_iface_t* iface, vpx_codec_enc_cfg_t* cfg, CLong flags, int ver);

    /// <summary><c>vpx_codec_err_t vpx_codec_enc_config_default(vpx_codec_iface_t *iface, vpx_codec_enc_cfg_t *cfg, unsigned int usage);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_err_t vpx_codec_enc_config_default(vpx_codec_iface_t* iface, vpx_codec_enc_cfg_t* cfg, uint usage);

    /// <summary><c>vpx_codec_err_t vpx_codec_enc_config_set(vpx_codec_ctx_t *ctx, const vpx_codec_enc_cfg_t *cfg);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_err_t vpx_codec_enc_config_set(VpxCodecContextHandle ctx, vpx_codec_enc_cfg_t* cfg);

    /// <summary><c>vpx_fixed_buf_t *vpx_codec_get_global_headers(vpx_codec_ctx_t *ctx);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_fixed_buf_t* vpx_codec_get_global_headers(VpxCodecContextHandle ctx);

    /// <summary><c>vpx_codec_err_t vpx_codec_encode(vpx_codec_ctx_t *ctx, const vpx_image_t *img, vpx_codec_pts_t pts, unsigned long duration, vpx_enc_frame_flags_t flags, unsigned long deadline);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_err_t vpx_codec_encode(VpxCodecContextHandle ctx, vpx_image_t* img, long pts, CULong duration, CLong flags, CULong deadline);

    /// <summary><c>const vpx_codec_cx_pkt_t *vpx_codec_get_cx_data(vpx_codec_ctx_t *ctx, vpx_codec_iter_t *iter);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_cx_pkt_t* vpx_codec_get_cx_data(VpxCodecContextHandle ctx, void** iter);

    /// <summary><c>const vpx_image_t *vpx_codec_get_preview_frame(vpx_codec_ctx_t *ctx);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_image_t* vpx_codec_get_preview_frame(VpxCodecContextHandle ctx);
}
