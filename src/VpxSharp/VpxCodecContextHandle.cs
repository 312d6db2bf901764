using System.Runtime.InteropServices;

namespace VpxSharp;

/// <summary>
/// Owns a native <see cref="vpx_codec_ctx_t"/>: zeroed native memory that <c>vpx_codec_enc_init_ver</c> or
/// <c>vpx_codec_dec_init_ver</c> initialises in place. Releasing the handle calls <c>vpx_codec_destroy</c> and frees
/// the memory.
/// </summary>
public sealed unsafe class VpxCodecContextHandle : SafeHandle
{
    /// <summary>Allocates a zeroed, not yet initialised codec context.</summary>
    public VpxCodecContextHandle()
        : base(0, ownsHandle: true)
    {
        SetHandle((nint)NativeMemory.AllocZeroed((nuint)sizeof(vpx_codec_ctx_t)));
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>The context's last error code as stored by libvpx.</summary>
    public vpx_codec_err_t LastError => IsClosed ? vpx_codec_err_t.VPX_CODEC_ERROR : ((vpx_codec_ctx_t*)handle)->err;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        // vpx_codec_destroy is safe on a zeroed or failed-init context (it returns an error without touching memory).
        Vpx.vpx_codec_destroy((vpx_codec_ctx_t*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}
