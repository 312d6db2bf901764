// Raw bindings for <vpx/vpx_image.h> (libvpx 1.12). Names and layout mirror the C header one to one; the layout
// test (tests/VpxSharp.Tests) compiles a C probe and checks every size and offset. Fields are documented in the header.
#nullable enable
#pragma warning disable CS1591 // members mirror the C header; see vpx_image.h for their documentation
using System.Runtime.InteropServices;

namespace VpxSharp;

/// <summary><c>enum vpx_img_fmt</c> (vpx_img_fmt_t).</summary>
public enum vpx_img_fmt_t
{
    VPX_IMG_FMT_NONE = 0,
    VPX_IMG_FMT_YV12 = Vpx.VPX_IMG_FMT_PLANAR | Vpx.VPX_IMG_FMT_UV_FLIP | 1,
    VPX_IMG_FMT_I420 = Vpx.VPX_IMG_FMT_PLANAR | 2,
    VPX_IMG_FMT_I422 = Vpx.VPX_IMG_FMT_PLANAR | 5,
    VPX_IMG_FMT_I444 = Vpx.VPX_IMG_FMT_PLANAR | 6,
    VPX_IMG_FMT_I440 = Vpx.VPX_IMG_FMT_PLANAR | 7,
    VPX_IMG_FMT_NV12 = Vpx.VPX_IMG_FMT_PLANAR | 9,
    VPX_IMG_FMT_I42016 = VPX_IMG_FMT_I420 | Vpx.VPX_IMG_FMT_HIGHBITDEPTH,
    VPX_IMG_FMT_I42216 = VPX_IMG_FMT_I422 | Vpx.VPX_IMG_FMT_HIGHBITDEPTH,
    VPX_IMG_FMT_I44416 = VPX_IMG_FMT_I444 | Vpx.VPX_IMG_FMT_HIGHBITDEPTH,
    VPX_IMG_FMT_I44016 = VPX_IMG_FMT_I440 | Vpx.VPX_IMG_FMT_HIGHBITDEPTH,
}

/// <summary><c>enum vpx_color_space</c> (vpx_color_space_t).</summary>
public enum vpx_color_space_t
{
    VPX_CS_UNKNOWN = 0,
    VPX_CS_BT_601 = 1,
    VPX_CS_BT_709 = 2,
    VPX_CS_SMPTE_170 = 3,
    VPX_CS_SMPTE_240 = 4,
    VPX_CS_BT_2020 = 5,
    VPX_CS_RESERVED = 6,
    VPX_CS_SRGB = 7,
}

/// <summary><c>enum vpx_color_range</c> (vpx_color_range_t).</summary>
public enum vpx_color_range_t
{
    VPX_CR_STUDIO_RANGE = 0,
    VPX_CR_FULL_RANGE = 1,
}

/// <summary>
/// <c>unsigned char *planes[4]</c> of <see cref="vpx_image_t"/> (Y, U, V, alpha). C# allows neither fixed buffers nor
/// inline arrays of pointers, so the four elements are spelled out.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct vpx_image_planes
{
    public byte* e0;
    public byte* e1;
    public byte* e2;
    public byte* e3;

    /// <summary>Element <paramref name="index"/> (0..3) of the C array.</summary>
    public byte* this[int index]
    {
        readonly get => (uint)index < 4 ? index switch { 0 => e0, 1 => e1, 2 => e2, _ => e3 } : throw new ArgumentOutOfRangeException(nameof(index));
        set
        {
            switch (index)
            {
                case 0: e0 = value; break;
                case 1: e1 = value; break;
                case 2: e2 = value; break;
                case 3: e3 = value; break;
                default: throw new ArgumentOutOfRangeException(nameof(index));
            }
        }
    }
}

/// <summary><c>struct vpx_image</c> (vpx_image_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct vpx_image_t
{
    public vpx_img_fmt_t fmt;
    public vpx_color_space_t cs;
    public vpx_color_range_t range;
    public uint w;
    public uint h;
    public uint bit_depth;
    public uint d_w;
    public uint d_h;
    public uint r_w;
    public uint r_h;
    public uint x_chroma_shift;
    public uint y_chroma_shift;
    public vpx_image_planes planes;
    public fixed int stride[4];
    public int bps;
    public void* user_priv;
    public byte* img_data;
    public int img_data_owner;
    public int self_allocd;
    public void* fb_priv;
}

/// <summary><c>struct vpx_image_rect</c> (vpx_image_rect_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct vpx_image_rect_t
{
    public uint x;
    public uint y;
    public uint w;
    public uint h;
}

public static unsafe partial class Vpx
{
    public const int VPX_IMAGE_ABI_VERSION = 5;
    public const int VPX_IMG_FMT_PLANAR = 0x100;
    public const int VPX_IMG_FMT_UV_FLIP = 0x200;
    public const int VPX_IMG_FMT_HAS_ALPHA = 0x400;
    public const int VPX_IMG_FMT_HIGHBITDEPTH = 0x800;
    public const int VPX_PLANE_PACKED = 0;
    public const int VPX_PLANE_Y = 0;
    public const int VPX_PLANE_U = 1;
    public const int VPX_PLANE_V = 2;
    public const int VPX_PLANE_ALPHA = 3;

    /// <summary><c>vpx_image_t *vpx_img_alloc(vpx_image_t *img, vpx_img_fmt_t fmt, unsigned int d_w, unsigned int d_h, unsigned int align);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_image_t* vpx_img_alloc(vpx_image_t* img, vpx_img_fmt_t fmt, uint d_w, uint d_h, uint align);

    /// <summary><c>vpx_image_t *vpx_img_wrap(vpx_image_t *img, vpx_img_fmt_t fmt, unsigned int d_w, unsigned int d_h, unsigned int stride_align, unsigned char *img_data);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial vpx_image_t* vpx_img_wrap(vpx_image_t* img, vpx_img_fmt_t fmt, uint d_w, uint d_h, uint stride_align, byte* img_data);

    /// <summary><c>int vpx_img_set_rect(vpx_image_t *img, unsigned int x, unsigned int y, unsigned int w, unsigned int h);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial int vpx_img_set_rect(vpx_image_t* img, uint x, uint y, uint w, uint h);

    /// <summary><c>void vpx_img_flip(vpx_image_t *img);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial void vpx_img_flip(vpx_image_t* img);

    /// <summary><c>void vpx_img_free(vpx_image_t *img);</c></summary>
    [LibraryImport(VpxLibrary.LibraryName)]
    public static partial void vpx_img_free(vpx_image_t* img);
}
