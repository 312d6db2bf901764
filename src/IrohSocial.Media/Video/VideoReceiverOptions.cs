namespace IrohSocial.Media.Video;

/// <summary>Settings for <see cref="VideoReceiver"/>.</summary>
internal sealed record VideoReceiverOptions
{
    /// <summary>The defaults.</summary>
    public static VideoReceiverOptions Default { get; } = new();

    /// <summary>While waiting for a keyframe, repeat the request at most this often (a request or its keyframe may be lost).</summary>
    public TimeSpan KeyframeRequestInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Decoder threads.</summary>
    public int DecoderThreads { get; init; } = 1;
}
