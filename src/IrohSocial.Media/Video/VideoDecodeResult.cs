namespace IrohSocial.Media.Video;

/// <summary>Result of decoding one compressed frame.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Frame">The decoded picture when <paramref name="Status"/> is <see cref="VideoDecodeStatus.Decoded"/>; the caller owns and disposes it.</param>
/// <param name="ErrorDetail">libvpx's description when <paramref name="Status"/> is <see cref="VideoDecodeStatus.Corrupt"/>.</param>
internal readonly record struct VideoDecodeResult(VideoDecodeStatus Status, I420Frame? Frame, string? ErrorDetail);
