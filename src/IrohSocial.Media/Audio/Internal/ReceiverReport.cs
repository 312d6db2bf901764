using System.Buffers.Binary;

namespace IrohSocial.Media.Audio.Internal;

/// <summary>
/// Plaintext of one frame on an <c>AudioReport</c> stream (14 bytes, big-endian):
/// <c>[u32 echo_sequence][u32 echo_delay_us][u16 loss_permille][u32 jitter_us]</c>.
/// echo_sequence is the newest audio frame received and echo_delay_us how long ago it arrived, so the
/// sender gets RTT = now - sent_time(echo_sequence) - echo_delay (as RTCP's LSR/DLSR).
/// </summary>
internal readonly record struct ReceiverReport(uint EchoSequence, uint EchoDelayMicroseconds, ushort LossPermille, uint JitterMicroseconds)
{
    public const int Size = 14;

    /// <summary>Marks "no audio frame received yet" in <see cref="EchoSequence"/> (with delay 0xFFFFFFFF).</summary>
    public const uint NoEcho = uint.MaxValue;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, EchoSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], EchoDelayMicroseconds);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], LossPermille);
        BinaryPrimitives.WriteUInt32BigEndian(destination[10..], JitterMicroseconds);
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out ReceiverReport report)
    {
        report = default;
        if (source.Length != Size)
        {
            return false;
        }

        report = new ReceiverReport(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[10..]));
        return report.LossPermille <= 1000;
    }
}
