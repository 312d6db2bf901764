using System.Buffers;
using IrohSocial.Media.Video;

namespace IrohSocial.Fuzz.Targets;

/// <summary>Targets for the video call stream.</summary>
internal static class VideoTargets
{
    public static IEnumerable<FuzzTarget> All =>
    [
        new("video-header", "VideoFrameHeader.TryRead; Done re-encodes to the same 21 bytes, NeedMoreData only when short.", Header),
    ];

    private static void Header(ReadOnlySpan<byte> input)
    {
        var status = VideoFrameHeader.TryRead(input, out var header);
        switch (status)
        {
            case OperationStatus.NeedMoreData:
                FuzzInvariantException.Check(input.Length < VideoFrameHeader.Size, "NeedMoreData only for short input");
                break;
            case OperationStatus.Done:
                FuzzInvariantException.Check(header.PayloadLength <= VideoFrameHeader.MaxPayloadLength, "accepted payload length is bounded");
                var buffer = new byte[VideoFrameHeader.Size];
                header.WriteTo(buffer);
                FuzzInvariantException.Check(buffer.AsSpan().SequenceEqual(input[..VideoFrameHeader.Size]), "parsed header re-encodes to its input");
                break;
            case OperationStatus.InvalidData:
                FuzzInvariantException.Check(input.Length >= VideoFrameHeader.Size, "InvalidData only for a full header");
                break;
            default:
                throw new FuzzInvariantException($"unexpected status {status}");
        }
    }
}
