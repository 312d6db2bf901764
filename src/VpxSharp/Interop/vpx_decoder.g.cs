// Raw bindings for <vpx/vpx_decoder.h> (libvpx 1.12). Names and layout mirror the C header one to one; the layout
// test (tests/VpxSharp.Tests) compiles a C probe and checks every size and offset. Fields are documented in the header.
#nullable enable
#pragma warning disable CS1591 // members mirror the C header; see vpx_decoder.h for their documentation
using System.Runtime.InteropServices;

namespace VpxSharp;

/// <summary><c>struct vpx_codec_stream_info</c> (vpx_codec_stream_info_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct vpx_codec_stream_info_t
{
    public uint sz;
    public uint w;
    public uint h;
    public uint is_kf;
}

/// <summary><c>struct vpx_codec_dec_cfg</c> (vpx_codec_dec_cfg_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct vpx_codec_dec_cfg_t
{
    public uint threads;
    public uint w;
    public uint h;
}

public static unsafe partial class Vpx
{
    public const int VPX_DECODER_ABI_VERSION = 3 + VPX_CODEC_ABI_VERSION;
    public const int VPX_CODEC_CAP_PUT_SLICE = 0x10000;
    public const int VPX_CODEC_CAP_PUT_FRAME = 0x20000;
    public const int VPX_CODEC_CAP_POSTPROC = 0x40000;
    public const int VPX_CODEC_CAP_ERROR_CONCEALMENT = 0x80000;
    public const int VPX_CODEC_CAP_INPUT_FRAGMENTS = 0x100000;
    public const int VPX_CODEC_CAP_FRAME_THREADING = 0x200000;
    public const int VPX_CODEC_CAP_EXTERNAL_FRAME_BUFFER = 0x400000;
    public const int VPX_CODEC_USE_POSTPROC = 0x10000;
    public const int VPX_CODEC_USE_ERROR_CONCEALMENT = 0x20000;
    public const int VPX_CODEC_USE_INPUT_FRAGMENTS = 0x40000;
    public const int VPX_CODEC_USE_FRAME_THREADING = 0x80000;

    /// <summary><c>vpx_codec_err_t vpx_codec_dec_init_ver(vpx_codec_ctx_t *ctx, vpx_codec_iface_t *iface, const vpx_codec_dec_cfg_t *cfg, vpx_codec_flags_t flags, int ver);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_err_t vpx_codec_dec_init_ver(VpxCodecContextHandle ctx, vpx_codec_iface_t* iface, vpx_codec_dec_cfg_t* cfg, CLong flags, int ver);

    /// <summary><c>vpx_codec_err_t vpx_codec_peek_stream_info(vpx_codec_iface_t *iface, const uint8_t *data, unsigned int data_sz, vpx_codec_stream_info_t *si);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_err_t vpx_codec_peek_stream_info(vpx_codec_iface_t* iface, byte* data, uint data_sz, vpx_codec_stream_info_t* si);

    /// <summary><c>vpx_codec_err_t vpx_codec_get_stream_info(vpx_codec_ctx_t *ctx, vpx_codec_stream_info_t *si);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_err_t vpx_codec_get_stream_info(VpxCodecContextHandle ctx, vpx_codec_stream_info_t* si);

    /// <summary><c>vpx_codec_err_t vpx_codec_decode(vpx_codec_ctx_t *ctx, const uint8_t *data, unsigned int data_sz, void *user_priv, long deadline);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_err_t vpx_codec_decode(VpxCodecContextHandle ctx, byte* data, uint data_sz, void* user_priv, CLong deadline);

    /// <summary><c>vpx_image_t *vpx_codec_get_frame(vpx_codec_ctx_t *ctx, vpx_codec_iter_t *iter);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_image_t* vpx_codec_get_frame(VpxCodecContextHandle ctx, void** iter);
}
