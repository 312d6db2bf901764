namespace IrohSocial.Media.Audio;

/// <summary>What one call to <see cref="AdaptiveJitterBuffer.ReadFrame"/> produced.</summary>
/// <param name="Kind">How the frame was made.</param>
/// <param name="Sequence">Sequence number of the frame played (meaningless for <see cref="PlayoutKind.Idle"/> and <see cref="PlayoutKind.Stretched"/>).</param>
/// <param name="TimestampMicroseconds">Sender capture timestamp of a <see cref="PlayoutKind.Decoded"/> frame, else null.</param>
internal readonly record struct PlayoutFrame(PlayoutKind Kind, uint Sequence, ulong? TimestampMicroseconds);
