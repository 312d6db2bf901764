// Raw bindings for <vpx/vp8.h> and <vpx/vp8dx.h> (libvpx 1.12). Names mirror the C headers one to one.
#nullable enable
#pragma warning disable CS1591 // members mirror the C header; see vp8dx.h for their documentation
using System.Runtime.InteropServices;

namespace VpxSharp;

/// <summary><c>enum vp8_com_control_id</c> (vp8.h): controls shared by encoder and decoder.</summary>
public enum vp8_com_control_id
{
    VP8_SET_REFERENCE = 1,
    VP8_COPY_REFERENCE = 2,
    VP8_SET_POSTPROC = 3,
    VP9_GET_REFERENCE = 128,
    VP8_COMMON_CTRL_ID_MAX,
    VP8_DECODER_CTRL_ID_START = 256,
}

/// <summary><c>enum vp8_dec_control_id</c> (vp8dx.h): decoder control ids.</summary>
public enum vp8_dec_control_id
{
    VP8D_GET_LAST_REF_UPDATES = vp8_com_control_id.VP8_DECODER_CTRL_ID_START,
    VP8D_GET_FRAME_CORRUPTED,
    VP8D_GET_LAST_REF_USED,
    VPXD_SET_DECRYPTOR,
    VP8D_SET_DECRYPTOR = VPXD_SET_DECRYPTOR,
    VP9D_GET_FRAME_SIZE,
    VP9D_GET_DISPLAY_SIZE,
    VP9D_GET_BIT_DEPTH,
    VP9_SET_BYTE_ALIGNMENT,
    VP9_INVERT_TILE_DECODE_ORDER,
    VP9_SET_SKIP_LOOP_FILTER,
    VP9_DECODE_SVC_SPATIAL_LAYER,
    VPXD_GET_LAST_QUANTIZER,
    VP9D_SET_ROW_MT,
    VP9D_SET_LOOP_FILTER_OPT,
    VP8_DECODER_CTRL_ID_MAX,
}

public static unsafe partial class Vpx
{
    /// <summary><c>extern vpx_codec_iface_t *vpx_codec_vp8_dx(void);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_iface_t* vpx_codec_vp8_dx();

    /// <summary><c>extern vpx_codec_iface_t *vpx_codec_vp9_dx(void);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_iface_t* vpx_codec_vp9_dx();
}
