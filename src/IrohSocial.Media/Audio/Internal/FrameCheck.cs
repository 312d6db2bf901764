namespace IrohSocial.Media.Audio.Internal;

internal static class FrameCheck
{
    public static void ThrowIfNotFrame(int length, string paramName)
    {
        if (length != AudioFormat.SamplesPerFrame)
        {
            throw new ArgumentException($"A frame is exactly {AudioFormat.SamplesPerFrame} samples.", paramName);
        }
    }
}
