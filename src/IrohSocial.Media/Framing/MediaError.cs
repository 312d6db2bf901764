namespace IrohSocial.Media;

/// <summary>Why a media operation failed.</summary>
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

    /// <summary>A codec could not be created (for example native libopus was required but is missing).</summary>
    CodecUnavailable = 5,

    /// <summary>An audio file is not a 16-bit PCM WAV file the SDK can read.</summary>
    UnsupportedAudioFile = 6,
}
