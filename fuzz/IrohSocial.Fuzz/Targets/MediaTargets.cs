using IrohSocial.Fuzz.Fixtures;
using IrohSocial.Media;
using IrohSocial.Media.Framing;

namespace IrohSocial.Fuzz.Targets;

/// <summary>Targets for the call/1 media streams: preamble, frame header, and the read + open pipeline.</summary>
internal static class MediaTargets
{
    public static IEnumerable<FuzzTarget> All =>
    [
        new("media-preamble", "MediaStreamPreamble.TryRead; accepted input re-encodes to the same 18 bytes, ReadAsync agrees.", Preamble),
        new("media-frame-header", "MediaFrameHeader.TryRead; accepted input re-encodes to the same 14 bytes.", FrameHeader),
        new("media-stream", "A whole media stream (preamble, MediaFrameReader, MediaFrameOpener with the fixture call keys); only MediaException may escape, every frame is counted once, an opened frame replays as Replayed.", Stream),
    ];

    private static void Preamble(ReadOnlySpan<byte> input)
    {
        var ok = MediaStreamPreamble.TryRead(input, out var preamble);
        if (ok)
        {
            FuzzInvariantException.Check(preamble.ToArray().AsSpan().SequenceEqual(input[..MediaStreamPreamble.Size]), "parsed preamble re-encodes to its input");
        }

        using var stream = new MemoryStream(input.ToArray());
        try
        {
            var read = MediaStreamPreamble.ReadAsync(stream).AsTask().GetAwaiter().GetResult();
            FuzzInvariantException.Check(ok && read == preamble, "ReadAsync accepts exactly what TryRead accepts");
        }
        catch (MediaException e)
        {
            FuzzInvariantException.Check(!ok, $"ReadAsync rejected a valid preamble: {e.Error}");
        }
    }

    private static void FrameHeader(ReadOnlySpan<byte> input)
    {
        if (MediaFrameHeader.TryRead(input, out var header))
        {
            var buffer = new byte[MediaFrameHeader.Size];
            header.WriteTo(buffer);
            FuzzInvariantException.Check(buffer.AsSpan().SequenceEqual(input[..MediaFrameHeader.Size]), "parsed header re-encodes to its input");
        }
        else
        {
            FuzzInvariantException.Check(input.Length < MediaFrameHeader.Size, "only a short input fails");
        }
    }

    private static void Stream(ReadOnlySpan<byte> input)
    {
        using var keys = FuzzFixtures.CreateCallKeys(isCaller: false);
        using var stream = new MemoryStream(input.ToArray());
        try
        {
            var preamble = MediaStreamPreamble.ReadAsync(stream).AsTask().GetAwaiter().GetResult();
            var opener = new MediaFrameOpener(keys.Receive, preamble.Kind, replayWindow: 64);
            var reader = new MediaFrameReader(stream, maxDataLength: 4096);
            long frames = 0;
            while (reader.ReadFrameAsync().AsTask().GetAwaiter().GetResult() is { } frame)
            {
                frames++;
                var result = opener.TryOpen(frame, out var payload);
                FuzzInvariantException.Check(opener.OpenedFrames + opener.DroppedFrames == frames, "every frame is counted exactly once");
                if (result == MediaFrameOpenResult.Opened)
                {
                    FuzzInvariantException.Check(payload.Length == frame.Data.Length - 16, "the payload is the data less the tag");
                    FuzzInvariantException.Check(opener.TryOpen(frame, out _) == MediaFrameOpenResult.Replayed, "an opened frame opens only once");
                    frames++;
                }
            }
        }
        catch (MediaException)
        {
            // A bad preamble, a cut frame or an oversized one: the stream is closed with a typed error.
        }
    }
}
