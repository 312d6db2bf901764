using VpxSharp;

namespace IrohSocial.Media.Video.Internal;

/// <summary>Turns libvpx status codes into <see cref="MediaException"/>s with libvpx's own error text.</summary>
internal static unsafe class VpxErrors
{
    public static void ThrowIfFailed(vpx_codec_err_t status, VpxCodecContextHandle context, MediaError error, string operation)
    {
        if (status != vpx_codec_err_t.VPX_CODEC_OK)
        {
            throw new MediaException(error, $"{operation} failed: {Describe(status, context)}");
        }
    }

    public static string Describe(vpx_codec_err_t status, VpxCodecContextHandle context)
    {
        var text = Vpx.PtrToString(Vpx.vpx_codec_err_to_string(status)) ?? status.ToString();
        var detail = context.IsClosed ? null : Vpx.PtrToString(Vpx.vpx_codec_error_detail(context));
        return detail is null ? $"{text} ({status})" : $"{text} ({status}): {detail}";
    }

    /// <summary>Loads libvpx, turning a missing library into <see cref="MediaError.CodecUnavailable"/>.</summary>
    public static void EnsureLibraryLoaded()
    {
        try
        {
            VpxLibrary.EnsureLoaded();
        }
        catch (DllNotFoundException e)
        {
            throw new MediaException(MediaError.CodecUnavailable, e.Message, e);
        }
    }
}
