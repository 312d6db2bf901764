namespace IrohSocial.Media;

/// <summary>Why a media operation failed (audio, video, framing: the one error enum of IrohSocial.Media).</summary>
public enum MediaError
{
    /// <summary>A media stream did not start with a valid preamble (magic, version or length).</summary>
    InvalidPreamble = 1,

    /// <summary>A media stream belongs to a call or stream kind the receiver is not expecting.</summary>
    UnexpectedStream = 2,

    /// <summary>A frame header was malformed or announced more data than allowed.</summary>
    InvalidFrame = 3,

    /// <summary>The stream ended in the middle of a frame or preamble.</summary>
    TruncatedStream = 4,

    /// <summary>A codec could not be loaded (native libopus was required but is missing; libvpx is not installed).</summary>
    CodecUnavailable = 5,

    /// <summary>An audio file is not a 16-bit PCM WAV file the SDK can read.</summary>
    UnsupportedAudioFile = 6,

    /// <summary>A video encoder or decoder could not be created with the given settings.</summary>
    CodecInitFailed = 7,

    /// <summary>The video encoder rejected a frame or a setting change.</summary>
    EncodeFailed = 8,

    /// <summary>A file or header is not in a supported video format (e.g. Y4M that is not 8-bit 4:2:0).</summary>
    UnsupportedVideoFormat = 9,

    /// <summary>A video file or stream is malformed or truncated.</summary>
    InvalidVideoData = 10,

    /// <summary>A video frame's size does not match what the sink was created for.</summary>
    FrameSizeMismatch = 11,
}
