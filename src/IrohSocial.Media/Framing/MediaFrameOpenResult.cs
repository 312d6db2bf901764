namespace IrohSocial.Media.Framing;

/// <summary>Outcome of <see cref="MediaFrameOpener.TryOpen(MediaFrameHeader, ReadOnlySpan{byte}, Span{byte}, out int)"/>.</summary>
internal enum MediaFrameOpenResult
{
    /// <summary>The frame authenticated and was decrypted.</summary>
    Opened = 0,

    /// <summary>The sequence was already accepted once; dropped.</summary>
    Replayed = 1,

    /// <summary>The sequence is older than the replay window can judge; dropped.</summary>
    TooOld = 2,

    /// <summary>The frame failed authentication (wrong key, wrong call, tampered header or data); dropped.</summary>
    AuthenticationFailed = 3,

    /// <summary>The frame is shorter than a tag or its header length disagrees with its data; dropped.</summary>
    Malformed = 4,
}
