namespace IrohSocial.Media.Video;

/// <summary>What went wrong in a <see cref="VideoException"/>.</summary>
public enum VideoError
{
    /// <summary>libvpx is not installed or could not be loaded.</summary>
    CodecUnavailable,

    /// <summary>The encoder or decoder could not be created with the given settings.</summary>
    CodecInitFailed,

    /// <summary>The encoder rejected a frame or a setting change.</summary>
    EncodeFailed,

    /// <summary>A file or header is not in a supported video format (e.g. Y4M that is not 8-bit 4:2:0).</summary>
    UnsupportedFormat,

    /// <summary>A file or stream is malformed or truncated.</summary>
    InvalidData,

    /// <summary>A frame's size does not match what the sink was created for.</summary>
    FrameSizeMismatch,
}
