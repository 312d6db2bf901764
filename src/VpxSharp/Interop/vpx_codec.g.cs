// Raw bindings for <vpx/vpx_codec.h> (libvpx 1.12). Names and layout mirror the C header one to one; the layout
// test (tests/VpxSharp.Tests) compiles a C probe and checks every size and offset. Fields are documented in the header.
#nullable enable
#pragma warning disable CS1591 // members mirror the C header; see vpx_codec.h for their documentation
using System.Runtime.InteropServices;

namespace VpxSharp;

/// <summary><c>vpx_codec_err_t</c>: algorithm return codes.</summary>
public enum vpx_codec_err_t
{
    VPX_CODEC_OK,
    VPX_CODEC_ERROR,
    VPX_CODEC_MEM_ERROR,
    VPX_CODEC_ABI_MISMATCH,
    VPX_CODEC_INCAPABLE,
    VPX_CODEC_UNSUP_BITSTREAM,
    VPX_CODEC_UNSUP_FEATURE,
    VPX_CODEC_CORRUPT_FRAME,
    VPX_CODEC_INVALID_PARAM,
    VPX_CODEC_LIST_END,
}

/// <summary><c>enum vpx_bit_depth</c> (vpx_bit_depth_t).</summary>
public enum vpx_bit_depth_t
{
    VPX_BITS_8 = 8,
    VPX_BITS_10 = 10,
    VPX_BITS_12 = 12,
}

/// <summary><c>const struct vpx_codec_iface</c> (vpx_codec_iface_t): opaque, only used through pointers.</summary>
public struct vpx_codec_iface_t
{
}

/// <summary><c>struct vpx_codec_ctx</c> (vpx_codec_ctx_t). Allocate through <see cref="VpxCodecContextHandle"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct vpx_codec_ctx_t
{
    public byte* name;
    public vpx_codec_iface_t* iface;
    public vpx_codec_err_t err;
    public byte* err_detail;
    /// <summary><c>vpx_codec_flags_t init_flags</c> (a C <c>long</c>).</summary>
    public CLong init_flags;
    /// <summary>The C union <c>config { dec; enc; raw; }</c> of three pointers, bound as its <c>raw</c> member.</summary>
    public void* config;
    public void* priv;
}

public static unsafe partial class Vpx
{
    public const int VPX_CODEC_ABI_VERSION = 4 + VPX_IMAGE_ABI_VERSION;
    public const int VPX_CODEC_CAP_DECODER = 0x1;
    public const int VPX_CODEC_CAP_ENCODER = 0x2;
    public const int VPX_CODEC_CAP_HIGHBITDEPTH = 0x4;

    // Every import goes through VpxLibrary's resolver, registered before the first call. It maps "vpx" to the
    // installed libvpx file or throws DllNotFoundException naming the package to install.
    static Vpx() => NativeLibrary.SetDllImportResolver(typeof(Vpx).Assembly, VpxLibrary.Resolve);

    /// <summary><c>int vpx_codec_version(void);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial int vpx_codec_version();

    /// <summary><c>const char *vpx_codec_version_str(void);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial byte* vpx_codec_version_str();

    /// <summary><c>const char *vpx_codec_build_config(void);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial byte* vpx_codec_build_config();

    /// <summary><c>const char *vpx_codec_iface_name(vpx_codec_iface_t *iface);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial byte* vpx_codec_iface_name(vpx_codec_iface_t* iface);

    /// <summary><c>const char *vpx_codec_err_to_string(vpx_codec_err_t err);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial byte* vpx_codec_err_to_string(vpx_codec_err_t err);

    /// <summary><c>const char *vpx_codec_error(vpx_codec_ctx_t *ctx);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial byte* vpx_codec_error(VpxCodecContextHandle ctx);

    /// <summary><c>const char *vpx_codec_error_detail(vpx_codec_ctx_t *ctx);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial byte* vpx_codec_error_detail(VpxCodecContextHandle ctx);

    /// <summary><c>vpx_codec_err_t vpx_codec_destroy(vpx_codec_ctx_t *ctx);</c> Called by <see cref="VpxCodecContextHandle"/>.</summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_codec_err_t vpx_codec_destroy(vpx_codec_ctx_t* ctx);

    /// <summary><c>vpx_codec_caps_t vpx_codec_get_caps(vpx_codec_iface_t *iface);</c> (a C <c>long</c>).</summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial CLong vpx_codec_get_caps(vpx_codec_iface_t* iface);

    /// <summary>
    /// <c>vpx_codec_err_t vpx_codec_control_(vpx_codec_ctx_t *ctx, int ctrl_id, ...);</c> with one <c>int</c> argument
    /// (the controls declared <c>VPX_CTRL_USE_TYPE(id, int)</c> or <c>unsigned int</c>).
    /// </summary>
    /// <remarks>Variadic in C; a fixed-argument call is ABI-compatible on x86-64 and non-Apple arm64 only.</remarks>
    [LibraryImport(VpxLibrary.LibraryName, EntryPoint = "vpx_codec_control_")]
    public static partial vpx_codec_err_t vpx_codec_control_(VpxCodecContextHandle ctx, int ctrl_id, int data);

    /// <summary>
    /// <c>vpx_codec_err_t vpx_codec_control_(vpx_codec_ctx_t *ctx, int ctrl_id, ...);</c> with one pointer argument
    /// (the controls declared <c>VPX_CTRL_USE_TYPE(id, T *)</c>).
    /// </summary>
    /// <remarks>Variadic in C; a fixed-argument call is ABI-compatible on x86-64 and non-Apple arm64 only.</remarks>
    [LibraryImport(VpxLibrary.LibraryName, EntryPoint = "vpx_codec_control_")]
    public static partial vpx_codec_err_t vpx_codec_control_(VpxCodecContextHandle ctx, int ctrl_id, void* data);

    /// <summary>Reads a NUL-terminated UTF-8 string returned by libvpx, or null.</summary>
    public static string? PtrToString(byte* value) => Marshal.PtrToStringUTF8((nint)value);
}
