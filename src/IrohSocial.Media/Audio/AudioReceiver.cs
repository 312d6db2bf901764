using System.Threading.Channels;
using IrohSocial.Crypto;
using IrohSocial.Media.Audio.Internal;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Stats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Media.Audio;

/// <summary>
/// The receiving half of a call's audio: reads sealed frames from a media stream, drops and counts frames
/// that fail authentication or replay checks, feeds the <see cref="AdaptiveJitterBuffer"/> and plays one
/// 20 ms frame per tick of its own clock into an <see cref="IAudioSink"/>. Publishes <see cref="CallStats"/>
/// every <see cref="AudioReceiverOptions.StatsInterval"/> and sends a receiver report back on the optional
/// report stream. Owns both streams and disposes them when it stops.
/// </summary>
internal sealed class AudioReceiver : IAsyncDisposable
{
    private readonly Guid _callId;
    private readonly CallKeys _keys;
    private readonly Stream _media;
    private readonly Stream? _reports;
    private readonly IAudioSink _sink;
    private readonly AudioReceiverOptions _options;
    private readonly CallStatsCalculator _stats;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly OpusAudioDecoder _decoder;
    private readonly AdaptiveJitterBuffer _jitter;
    private readonly MediaFrameOpener _opener;
    private readonly MediaFrameSealer? _reportSealer;
    private readonly Channel<byte[]> _outgoingReports;
    private readonly FrameClock _clock;
    private readonly CancellationTokenSource _stop = new();
    private Task _ingest = Task.CompletedTask;
    private Task _playout = Task.CompletedTask;
    private Task _reportWriter = Task.CompletedTask;
    private volatile bool _ingestEnded;
    private long _lastSequence = -1;
    private long _lastArrival;
    private long _lastReportExpected, _lastReportReceived;
    private long _playedFrames;
    private long _reportsQueued, _reportsDone;
    private long _ticks;
    private CallStats? _latest;
    private bool _disposed;

    private AudioReceiver(Guid callId, CallKeys keys, Stream media, IAudioSink sink, Stream? reports, AudioReceiverOptions options,
        CallStatsCalculator stats, TimeProvider time, ILogger logger)
    {
        _callId = callId;
        _keys = keys;
        _media = media;
        _sink = sink;
        _reports = reports;
        _options = options;
        _stats = stats;
        _time = time;
        _logger = logger;
        _decoder = OpusAudioDecoder.Create(options.Decoder, logger);
        _jitter = new AdaptiveJitterBuffer(_decoder, options.JitterBuffer, time);
        _opener = new MediaFrameOpener(keys.Receive, MediaStreamKind.Audio);
        _reportSealer = reports is null ? null : new MediaFrameSealer(keys.Send, MediaStreamKind.AudioReport);
        // Reports go out from their own loop so a stalled report stream can never stall playout; when they
        // back up, the oldest is dropped (a newer report supersedes it).
        _outgoingReports = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _reportsDone));
        // Created before StartAsync returns: the playout clock ticks every 20 ms from the start, whatever arrives,
        // and catches up after a stall instead of folding missed ticks (each tick is 20 ms of audio the sink needs).
        _clock = new FrameClock(time);
    }

    /// <summary>Starts receiving and playing.</summary>
    /// <param name="callId">The call this stream must belong to.</param>
    /// <param name="keys">The call's keys: <see cref="CallKeys.Receive"/> opens audio, <see cref="CallKeys.Send"/> seals reports. Not owned.</param>
    /// <param name="media">Incoming media stream (owned from now on).</param>
    /// <param name="sink">Where played audio goes (not owned).</param>
    /// <param name="reports">Outgoing report stream to the peer's sender (owned), or null.</param>
    /// <param name="options">Jitter buffer, decoder and stats interval; <see cref="AudioReceiverOptions.Default"/> when null.</param>
    /// <param name="stats">Shared per-call statistics; a private one when null.</param>
    /// <param name="timeProvider">Playout clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="cancellationToken">Cancels writing the report stream's preamble.</param>
    /// <returns>The running receiver.</returns>
    public static async ValueTask<AudioReceiver> StartAsync(
        Guid callId, CallKeys keys, Stream media, IAudioSink sink, Stream? reports = null, AudioReceiverOptions? options = null,
        CallStatsCalculator? stats = null, TimeProvider? timeProvider = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(sink);
        options ??= AudioReceiverOptions.Default;
        options.Validate();
        timeProvider ??= TimeProvider.System;
        var receiver = new AudioReceiver(callId, keys, media, sink, reports, options, stats ?? new CallStatsCalculator(timeProvider),
            timeProvider, logger ?? NullLogger.Instance);
        if (reports is not null)
        {
            await AudioStreamLifetime.WritePreambleOrDisposeAsync(
                receiver, new MediaStreamPreamble(callId, MediaStreamKind.AudioReport), reports, cancellationToken).ConfigureAwait(false);
        }

        CancellationToken stop = receiver._stop.Token;
        receiver._ingest = MediaThread.Start("irohsocial-audio-ingest", urgent: true, () => receiver.IngestLoop(stop));
        receiver._playout = MediaThread.Start("irohsocial-audio-playout", urgent: true, () => receiver.PlayoutLoop(stop));
        receiver.Completion = Task.WhenAll(receiver._ingest, receiver._playout);
        if (reports is not null)
        {
            receiver._reportWriter = Task.Run(() => receiver.ReportWriterLoopAsync(reports, receiver._stop.Token));
        }

        return receiver;
    }

    /// <summary>Raised with fresh statistics every <see cref="AudioReceiverOptions.StatsInterval"/> (on the playout loop; keep handlers short).</summary>
    public event EventHandler<CallStats>? StatsUpdated;

    /// <summary>
    /// Completes when the sender closed the stream and everything received was played; faults with a
    /// <see cref="MediaException"/> when the stream was refused (<see cref="MediaError.UnexpectedStream"/>) or broken.
    /// </summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>The statistics this receiver feeds (loss, jitter, latency, receive bitrate).</summary>
    public CallStatsCalculator Stats => _stats;

    /// <summary>The most recent statistics, or null before the first interval.</summary>
    public CallStats? LatestStats => Volatile.Read(ref _latest);

    /// <summary>The jitter buffer's counters right now.</summary>
    public JitterBufferSnapshot JitterBuffer => _jitter.GetSnapshot();

    /// <summary>Frames dropped by the opener: wrong key or call, replays, too old, malformed.</summary>
    public long RejectedFrames => _opener.DroppedFrames;

    /// <summary>Frames dropped because they failed authentication (wrong key or call, tampering).</summary>
    public long AuthenticationFailures => _opener.AuthenticationFailures;

    /// <summary>Frames dropped as replays of an already accepted sequence (or older than the replay window).</summary>
    public long ReplayedFrames => _opener.ReplayedFrames + _opener.TooOldFrames;

    /// <summary>Frames written to the sink so far.</summary>
    public long PlayedFrames => Interlocked.Read(ref _playedFrames);

    /// <summary>Whether the decoder runs on native libopus.</summary>
    public bool IsNativeCodec => _decoder.IsNative;

    /// <summary>Whether the ingest loop stopped reading the media stream (end, refusal or error).</summary>
    internal bool IngestCompleted => _ingest.IsCompleted;

    /// <summary>Whether every queued receiver report has been written (or dropped).</summary>
    internal bool ReportsFlushed => Interlocked.Read(ref _reportsDone) >= Interlocked.Read(ref _reportsQueued);

    /// <summary>Playout clock ticks so far (one per 20 ms since the start, idle or not).</summary>
    internal long PlayoutTicks => Interlocked.Read(ref _ticks);

    /// <summary>Stops receiving and playing, closes the streams and frees the decoder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        _outgoingReports.Writer.TryComplete();
        await AudioStreamLifetime.WhenAllEndedAsync(_ingest, _playout, _reportWriter).ConfigureAwait(false);
        await AudioStreamLifetime.CloseStreamsAsync(_media, _reports).ConfigureAwait(false);

        _decoder.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// Runs on its own thread (<see cref="MediaThread"/>) and blocks on each read: a frame the transport hands over
    /// wakes this thread directly, instead of queueing the loop's continuation behind thread-pool work.
    /// </summary>
    private void IngestLoop(CancellationToken cancellationToken)
    {
        try
        {
            if (_options.ReadPreamble)
            {
                MediaStreamPreamble preamble = MediaThread.Wait(MediaStreamPreamble.ReadAsync(_media, cancellationToken));
                if (preamble.CallId != _callId || preamble.Kind != MediaStreamKind.Audio)
                {
                    Log.StreamRefused(_logger, "audio stream for another call or of another kind");
                    throw new MediaException(MediaError.UnexpectedStream, "The stream does not carry audio for this call.");
                }
            }

            var reader = new MediaFrameReader(_media, OpusAudioEncoder.MaxPacketSize + MediaFrameCipher.TagSize);
            while (MediaThread.Wait(reader.ReadFrameAsync(cancellationToken)) is { } frame)
            {
                _stats.RecordBytesReceived(MediaFrameHeader.Size + frame.Data.Length);
                if (_opener.TryOpen(frame, out byte[] packet) != MediaFrameOpenResult.Opened)
                {
                    continue;
                }

                _jitter.Insert(frame.Header.Sequence, frame.Header.TimestampMicroseconds, packet);
                Interlocked.Exchange(ref _lastArrival, _time.GetTimestamp());
                Interlocked.Exchange(ref _lastSequence, frame.Header.Sequence);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is MediaException or IOException or ObjectDisposedException)
        {
            Log.PipelineFailed(_logger, "receiver", ex);
            throw;
        }
        finally
        {
            _ingestEnded = true;
        }
    }

    /// <summary>
    /// Runs on its own thread (<see cref="MediaThread"/>): the 20 ms playout tick is woken by the kernel, not by a
    /// thread-pool timer callback that waits for a free worker, and decoding and the sink write happen right there.
    /// </summary>
    private void PlayoutLoop(CancellationToken cancellationToken)
    {
        var pcm = new short[AudioFormat.SamplesPerFrame];
        int statsFrames = _options.StatsIntervalFrames;
        try
        {
            while (true)
            {
                long frame = _clock.WaitForNextFrame(cancellationToken);
                // Sampled before playing: a stream that ended is played out until its last buffered frame.
                bool ended = _ingestEnded;
                long tick = Interlocked.Read(ref _ticks) + 1;
                if (ended && _jitter.BufferedFrames == 0)
                {
                    Interlocked.Exchange(ref _ticks, tick);
                    break;
                }

                PlayoutFrame played = _jitter.ReadFrameDueAt(pcm, _clock.DueTimestamp(frame));
                if (played.Kind != PlayoutKind.Idle)
                {
                    if (played.TimestampMicroseconds is ulong captured)
                    {
                        long latencyTicks = ((long)AudioSender.UnixMicroseconds(_time) - (long)captured) * 10;
                        _stats.RecordPlayoutLatency(TimeSpan.FromTicks(latencyTicks));
                    }

                    MediaThread.Wait(_sink.WriteFrameAsync(pcm, cancellationToken));
                    Interlocked.Increment(ref _playedFrames);
                }

                if (tick % statsFrames == 0)
                {
                    PublishStats();
                }

                // Counted once the tick's work is done, so observers can tell when playout has caught up.
                Interlocked.Exchange(ref _ticks, tick);
            }

            PublishStats();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void PublishStats()
    {
        JitterBufferSnapshot snapshot = _jitter.GetSnapshot();
        CallStats stats = _stats.Compute(snapshot, _opener.DroppedFrames);
        Volatile.Write(ref _latest, stats);
        QueueReport(snapshot);
        StatsUpdated?.Invoke(this, stats);
    }

    private void QueueReport(JitterBufferSnapshot snapshot)
    {
        if (_reportSealer is null)
        {
            return;
        }

        long expected = snapshot.ExpectedFrames - _lastReportExpected, received = snapshot.ReceivedFrames - _lastReportReceived;
        _lastReportExpected = snapshot.ExpectedFrames;
        _lastReportReceived = snapshot.ReceivedFrames;
        double loss = expected <= 0 ? 0 : Math.Clamp(1 - ((double)received / expected), 0, 1);
        long sequence = Interlocked.Read(ref _lastSequence);
        uint echoDelay = sequence < 0 ? uint.MaxValue
            : (uint)Math.Min(uint.MaxValue, _time.GetElapsedTime(Interlocked.Read(ref _lastArrival)).Ticks / 10);
        var report = new ReceiverReport(
            sequence < 0 ? ReceiverReport.NoEcho : (uint)sequence,
            echoDelay,
            (ushort)Math.Round(loss * 1000),
            (uint)Math.Min(uint.MaxValue, snapshot.Jitter.Ticks / 10));
        Span<byte> plain = stackalloc byte[ReceiverReport.Size];
        report.WriteTo(plain);
        Interlocked.Increment(ref _reportsQueued);
        _outgoingReports.Writer.TryWrite(_reportSealer.Seal(AudioSender.UnixMicroseconds(_time), plain));
    }

    private async Task ReportWriterLoopAsync(Stream reports, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (byte[] frame in _outgoingReports.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await reports.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                    await reports.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Increment(ref _reportsDone);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            Log.PipelineFailed(_logger, "report writer", ex);
        }
    }
}
