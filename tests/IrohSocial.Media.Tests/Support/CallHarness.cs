using System.Diagnostics;
using IrohSocial.Crypto;
using IrohSocial.Media.Audio;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Support;

/// <summary>
/// One direction of a call on a fake clock: an <see cref="AudioSender"/> on side A, an <see cref="AudioReceiver"/>
/// on side B, a faulty media link A->B and a report link B->A. <see cref="RunAsync"/> advances the clock one
/// millisecond at a time and, after each step, waits (in real time, without asserting on it) until the
/// sender, the links and the receiver have processed everything that step made due.
/// </summary>
internal sealed class CallHarness : IAsyncDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(1);
    private readonly DateTimeOffset _start;

    private CallHarness(FakeTimeProvider time, FaultyLink media, FaultyLink reports, AudioSender sender, AudioReceiver receiver, MemoryAudioSink sink)
    {
        Time = time;
        Media = media;
        Reports = reports;
        Sender = sender;
        Receiver = receiver;
        Sink = sink;
        _start = time.GetUtcNow();
    }

    public FakeTimeProvider Time { get; }

    public FaultyLink Media { get; }

    public FaultyLink Reports { get; }

    public AudioSender Sender { get; }

    public AudioReceiver Receiver { get; }

    public MemoryAudioSink Sink { get; }

    public static async Task<CallHarness> StartAsync(
        IAudioSource source, LinkFaults faults, CallKeys senderKeys, CallKeys receiverKeys,
        Guid? senderCallId = null, Guid? receiverCallId = null, AudioReceiverOptions? receiverOptions = null, int seed = 1)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var media = new FaultyLink(time, faults, seed);
        var reports = new FaultyLink(time, new LinkFaults { Delay = faults.Delay }, seed + 1);
        var sink = new MemoryAudioSink();
        CancellationToken ct = TestContext.Current.CancellationToken;
        AudioReceiver receiver = await AudioReceiver.StartAsync(receiverCallId ?? TestKeys.CallId, receiverKeys, media.Reader, sink,
            reports: reports.Writer, options: receiverOptions, timeProvider: time, cancellationToken: ct);
        AudioSender sender = await AudioSender.StartAsync(senderCallId ?? TestKeys.CallId, senderKeys, media.Writer, source,
            reports: reports.Reader, timeProvider: time, cancellationToken: ct);
        return new CallHarness(time, media, reports, sender, receiver, sink);
    }

    /// <summary>Runs until the receiver completes (or faults), or until <paramref name="limit"/> of fake time.</summary>
    public async Task RunAsync(TimeSpan limit)
    {
        DateTimeOffset end = Time.GetUtcNow() + limit;
        await SettleAsync();
        while (!Receiver.Completion.IsCompleted && Time.GetUtcNow() < end)
        {
            Time.Advance(Step);
            await SettleAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Sender.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    private async Task SettleAsync()
    {
        long ticks = (long)((Time.GetUtcNow() - _start) / AudioFormat.FrameDuration);
        var clock = Stopwatch.StartNew();
        for (int spin = 0; !Settled(ticks); spin++)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new TimeoutException($"Pipeline did not settle at tick {ticks}: sent {Sender.FramesSent} ({Sender.Completion.Status}), playout ticks {Receiver.PlayoutTicks} ({Receiver.Completion.Status}), media {Media.ConsumerCaughtUp}, reports {Reports.ConsumerCaughtUp}.");
            }

            if (spin < 20)
            {
                await Task.Yield();
            }
            else
            {
                await Task.Delay(1);
            }
        }
    }

    private bool Settled(long ticks)
    {
        bool senderDone = Sender.Completion.IsCompleted || Sender.FramesSent == ticks;
        bool receiverDone = Receiver.Completion.IsCompleted || Receiver.PlayoutTicks == ticks;
        bool mediaDone = Receiver.IngestCompleted || Media.ConsumerCaughtUp;
        bool reportsDone = Receiver.ReportsFlushed && (Sender.ReportLoopCompleted || Reports.ConsumerCaughtUp);
        return senderDone && receiverDone && mediaDone && reportsDone;
    }
}
