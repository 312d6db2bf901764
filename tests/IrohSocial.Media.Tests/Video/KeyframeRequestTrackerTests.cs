using CsCheck;
using IrohSocial.Media.Video.Internal;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Video;

public sealed class KeyframeRequestTrackerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    // An event: a frame (sequence step -2..3 from the last, key or not), a decode error of the last frame, or time passing.
    private static readonly Gen<(int Kind, int Step, bool Key, int Millis)> Event =
        Gen.Select(Gen.Int[0, 9], Gen.Int[-2, 3], Gen.Int[0, 9], Gen.Int[0, 400], (kind, step, key, ms) => (kind, step, key == 0, ms));

    [Fact]
    public void AnyEventSequence_KeepsTheDecodeAndRequestRules()
    {
        Event.List[1, 200].Sample(events =>
        {
            var time = new FakeTimeProvider();
            var tracker = new KeyframeRequestTracker(time, Interval);
            uint? last = null;
            var cleanSinceKey = false; // model: decodable chain intact since the last keyframe
            DateTimeOffset? lastRequest = null;
            var requestedSinceKey = false;
            uint next = 1000;
            foreach (var (kind, step, key, ms) in events)
            {
                if (kind == 0)
                {
                    time.Advance(TimeSpan.FromMilliseconds(ms));
                    continue;
                }

                bool requested;
                if (kind == 1)
                {
                    requested = tracker.OnDecodeError();
                    cleanSinceKey = false;
                }
                else
                {
                    var sequence = unchecked(next + (uint)step);
                    next = unchecked(sequence + 1);
                    var d = tracker.OnFrame(sequence, key);
                    requested = d.RequestKeyframe;
                    var stale = last is { } l && (int)(sequence - l) <= 0;
                    if (stale)
                    {
                        if (d.Action != FrameAction.DropStale || requested)
                        {
                            return false;
                        }

                        continue;
                    }

                    var gap = last is { } p && sequence != unchecked(p + 1);
                    last = sequence;
                    if (key)
                    {
                        if (d.Action != FrameAction.Decode || requested)
                        {
                            return false;
                        }

                        cleanSinceKey = true;
                        requestedSinceKey = false;
                        continue;
                    }

                    cleanSinceKey &= !gap;
                    var expected = cleanSinceKey ? FrameAction.Decode : FrameAction.DropAwaitingKeyframe;
                    if (d.Action != expected || (expected == FrameAction.Decode && requested))
                    {
                        return false;
                    }

                    if (expected == FrameAction.Decode)
                    {
                        continue;
                    }
                }

                // Requests: the first one after a keyframe is immediate; later ones at most once per interval.
                var due = !requestedSinceKey || time.GetUtcNow() - lastRequest >= Interval;
                if (requested != due)
                {
                    return false;
                }

                if (requested)
                {
                    lastRequest = time.GetUtcNow();
                    requestedSinceKey = true;
                }

                if (tracker.AwaitingKeyframe != !cleanSinceKey)
                {
                    return false;
                }
            }

            return true;
        });
    }
}
