namespace IrohSocial.Media.Video;

/// <summary>Outcome of <see cref="Vp9Decoder.Decode(ReadOnlySpan{byte})"/>.</summary>
internal enum VideoDecodeStatus
{
    /// <summary>A picture was decoded.</summary>
    Decoded,

    /// <summary>The data was accepted but produced no picture to show.</summary>
    NoFrame,

    /// <summary>The data is corrupt or cannot be decoded (e.g. an inter frame whose reference was lost).</summary>
    Corrupt,
}
