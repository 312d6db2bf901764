namespace IrohSocial.Media.Framing;

/// <summary>One frame as read from a media stream: the clear header and the (still encrypted) data after it.</summary>
/// <param name="Header">The 14-byte header; <c>Header.Length == Data.Length</c>.</param>
/// <param name="Data">The frame data (ciphertext and tag).</param>
internal sealed record MediaFrame(MediaFrameHeader Header, ReadOnlyMemory<byte> Data);
