using IrohSocial.Media.Audio;
using IrohSocial.Media.Video;

namespace IrohSocial.Media.Calls;

/// <summary>The devices a call uses. None are owned by the call: the app disposes them after the call.</summary>
public sealed record CallMedia
{
    /// <summary>Microphone (or file); silence when null.</summary>
    public IAudioSource? AudioSource { get; init; }

    /// <summary>Speaker (or file); received audio is decoded and dropped when null.</summary>
    public IAudioSink? AudioSink { get; init; }

    /// <summary>Camera (or file, or test pattern); needed to send video.</summary>
    public IVideoSource? VideoSource { get; init; }

    /// <summary>Where decoded received video frames go, or null.</summary>
    public IVideoSink? VideoSink { get; init; }

    /// <summary>The received VP9 bitstream written as IVF (playable by any standard decoder), or null. Not owned.</summary>
    public Stream? ReceivedVideoIvf { get; init; }

    /// <summary>Whether this side starts with video on (needs <see cref="VideoSource"/>).</summary>
    public bool Video { get; init; }
}
