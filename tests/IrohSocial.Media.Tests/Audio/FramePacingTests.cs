using System.IO.Pipelines;
using IrohSocial.Crypto;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Audio;

/// <summary>
/// The sender and the playout clock follow a 20 ms schedule by frame index: after the clock jumps (a stalled
/// process, a busy machine) every frame that fell due is produced, none is merged or skipped, and the frames carry
/// their scheduled time rather than the time they happened to leave.
/// </summary>
public sealed class FramePacingTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly ulong StartMicroseconds = (ulong)((Start - DateTimeOffset.UnixEpoch).Ticks / 10);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sender_ClockJumps100Ms_SendsFiveFramesStampedFromTheSchedule()
    {
        var time = new FakeTimeProvider(Start);
        (AudioSender started, MediaFrameReader reader) = await StartToneSenderAsync(time);
        await using AudioSender sender = started;

        time.Advance(TimeSpan.FromMilliseconds(100));
        MediaFrameHeader[] burst = await ReadHeadersAsync(reader, 5);

        Assert.Equal([0u, 1, 2, 3, 4], burst.Select(h => h.Sequence));
        Assert.Equal(Enumerable.Range(1, 5).Select(n => StartMicroseconds + (ulong)(n * 20_000)), burst.Select(h => h.TimestampMicroseconds));
        Assert.Equal(5, sender.FramesSent);

        // A late wake-up does not move the schedule: 30 ms later, frame 6 (due at 120 ms) went out and carries 120 ms.
        time.Advance(TimeSpan.FromMilliseconds(30));
        MediaFrameHeader next = Assert.Single(await ReadHeadersAsync(reader, 1));
        Assert.Equal(5u, next.Sequence);
        Assert.Equal(StartMicroseconds + 120_000, next.TimestampMicroseconds);

        // The next frame is due at 140 ms, 10 ms from now, not 20 ms after the late one.
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(StartMicroseconds + 140_000, Assert.Single(await ReadHeadersAsync(reader, 1)).TimestampMicroseconds);
        Assert.Equal(7, sender.FramesSent);
    }

    [Fact]
    public async Task Sender_SourceOfOneSecondAfterALongStall_SendsEveryFrameInOrder()
    {
        var time = new FakeTimeProvider(Start);
        (AudioSender started, MediaFrameReader reader) = await StartToneSenderAsync(time);
        await using AudioSender sender = started;

        time.Advance(TimeSpan.FromSeconds(5));
        MediaFrameHeader[] all = await ReadHeadersAsync(reader, 50);
        await sender.Completion.WaitAsync(Wait, Ct);

        Assert.Null(await reader.ReadFrameAsync(Ct));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (uint)i), all.Select(h => h.Sequence));
        Assert.All(all, h => Assert.Equal(StartMicroseconds + ((h.Sequence + 1) * 20_000UL), h.TimestampMicroseconds));
    }

    [Fact]
    public async Task Receiver_ClockJumps100Ms_PlaysOutFiveTicks()
    {
        var time = new FakeTimeProvider(Start);
        var media = new Pipe();
        (_, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        await using AudioReceiver receiver = await AudioReceiver.StartAsync(TestKeys.CallId, callee, media.Reader.AsStream(),
            new MemoryAudioSink(), timeProvider: time, cancellationToken: Ct);

        time.Advance(TimeSpan.FromMilliseconds(100));
        await WaitUntilAsync(() => receiver.PlayoutTicks >= 5);
        Assert.Equal(5, receiver.PlayoutTicks);
        Assert.Equal(5, receiver.JitterBuffer.IdleFrames);

        time.Advance(TimeSpan.FromMilliseconds(20));
        await WaitUntilAsync(() => receiver.PlayoutTicks >= 6);
        Assert.Equal(6, receiver.JitterBuffer.IdleFrames);
    }

    private static async Task<MediaFrameHeader[]> ReadHeadersAsync(MediaFrameReader reader, int count)
    {
        var headers = new MediaFrameHeader[count];
        for (int i = 0; i < count; i++)
        {
            MediaFrame? frame = await reader.ReadFrameAsync(Ct).AsTask().WaitAsync(Wait, Ct);
            Assert.NotNull(frame);
            headers[i] = frame.Header;
        }

        return headers;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(5, Ct);
        }
    }

    /// <summary>A sender of one second of tone on <paramref name="time"/>, and a reader of its frames past the preamble.</summary>
    private static async Task<(AudioSender Sender, MediaFrameReader Reader)> StartToneSenderAsync(FakeTimeProvider time)
    {
        var pipe = new Pipe();
        (CallKeys caller, _) = TestKeys.ForCall(TestKeys.CallId);
        AudioSender sender = await AudioSender.StartAsync(TestKeys.CallId, caller, pipe.Writer.AsStream(),
            new ToneSource(duration: TimeSpan.FromSeconds(1)), timeProvider: time, cancellationToken: Ct);
        Stream wire = pipe.Reader.AsStream();
        await MediaStreamPreamble.ReadAsync(wire, Ct);
        return (sender, new MediaFrameReader(wire));
    }
}
