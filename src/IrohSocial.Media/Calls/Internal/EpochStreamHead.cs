using System.Buffers.Binary;
using IrohSocial.Media.Framing;
using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// The start of a Control or VideoLink stream: the 18-byte preamble, then the u32 big-endian epoch of the leg it
/// belongs to (docs/protocol.md 7.6).
/// </summary>
internal static class EpochStreamHead
{
    /// <summary>Writes the preamble and the epoch, and flushes them.</summary>
    public static async Task WriteAsync(TransportStream stream, Guid callId, MediaStreamKind kind, uint epoch, CancellationToken cancellationToken)
    {
        var head = new byte[MediaStreamPreamble.Size + 4];
        new MediaStreamPreamble(callId, kind).WriteTo(head);
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(MediaStreamPreamble.Size), epoch);
        await stream.WriteAsync(head, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the epoch that follows the preamble; null when the stream ends or fails first.</summary>
    public static async Task<uint?> ReadEpochAsync(TransportStream stream, CancellationToken cancellationToken)
    {
        var epoch = new byte[4];
        try
        {
            await stream.ReadExactlyAsync(epoch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is EndOfStreamException or TransportException or OperationCanceledException or IOException)
        {
            return null;
        }

        return BinaryPrimitives.ReadUInt32BigEndian(epoch);
    }
}
