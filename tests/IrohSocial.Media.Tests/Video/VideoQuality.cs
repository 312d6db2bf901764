using IrohSocial.Media.Video;

namespace IrohSocial.Media.Tests.Video;

/// <summary>PSNR over all three planes, computed here rather than trusted from libvpx.</summary>
internal static class VideoQuality
{
    public static double Psnr(I420Frame reference, I420Frame decoded)
    {
        Assert.Equal((reference.Width, reference.Height), (decoded.Width, decoded.Height));
        var a = reference.Data.Span;
        var b = decoded.Data.Span;
        double sse = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            sse += d * d;
        }

        var mse = sse / a.Length;
        return mse == 0 ? 100 : 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
