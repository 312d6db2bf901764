using Concentus;
using Concentus.Enums;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Media.Audio.Internal;

/// <summary>Creates Concentus codecs for one <see cref="OpusImplementation"/> and logs which one was chosen.</summary>
internal static class OpusCodecs
{
    public static IOpusEncoder CreateEncoder(OpusImplementation implementation, ILogger logger)
    {
        IOpusEncoder encoder = implementation == OpusImplementation.Managed
            // The managed struct is what the factory falls back to; constructing it directly avoids
            // flipping the factory's process-wide AttemptToUseNativeLibrary flag (the ctor is marked
            // obsolete only to steer users to the factory).
#pragma warning disable CS0618
            ? new Concentus.Structs.OpusEncoder(AudioFormat.SampleRate, AudioFormat.Channels, OpusApplication.OPUS_APPLICATION_VOIP)
#pragma warning restore CS0618
            : OpusCodecFactory.CreateEncoder(AudioFormat.SampleRate, AudioFormat.Channels, OpusApplication.OPUS_APPLICATION_VOIP);
        bool native = IsNative(encoder);
        if (implementation == OpusImplementation.Native && !native)
        {
            (encoder as IDisposable)?.Dispose();
            throw new MediaException(MediaError.CodecUnavailable, "Native libopus was required but could not be loaded.");
        }

        Log.OpusImplementationChosen(logger, "encoder", native ? "native" : "managed", encoder.GetVersionString());
        return encoder;
    }

    public static IOpusDecoder CreateDecoder(OpusImplementation implementation, ILogger logger)
    {
        IOpusDecoder decoder = implementation == OpusImplementation.Managed
#pragma warning disable CS0618 // see CreateEncoder
            ? new Concentus.Structs.OpusDecoder(AudioFormat.SampleRate, AudioFormat.Channels)
#pragma warning restore CS0618
            : OpusCodecFactory.CreateDecoder(AudioFormat.SampleRate, AudioFormat.Channels);
        bool native = IsNative(decoder);
        if (implementation == OpusImplementation.Native && !native)
        {
            (decoder as IDisposable)?.Dispose();
            throw new MediaException(MediaError.CodecUnavailable, "Native libopus was required but could not be loaded.");
        }

        Log.OpusImplementationChosen(logger, "decoder", native ? "native" : "managed", decoder.GetVersionString());
        return decoder;
    }

    // Concentus' native wrappers are internal; anything that is not the managed struct is native.
    public static bool IsNative(IOpusEncoder encoder) => encoder is not Concentus.Structs.OpusEncoder;

    public static bool IsNative(IOpusDecoder decoder) => decoder is not Concentus.Structs.OpusDecoder;
}
