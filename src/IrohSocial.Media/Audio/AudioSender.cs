using IrohSocial.Crypto;
using IrohSocial.Media.Audio.Internal;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Stats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Media.Audio;

/// <summary>
/// The sending half of a call's audio: pulls 20 ms frames from an <see cref="IAudioSource"/>, encodes them
/// with Opus, seals them with the call's send key and writes them to a media stream that starts with the
/// <see cref="MediaStreamPreamble"/>. Reads the peer's receiver reports (optional second stream) to measure
/// round-trip time and to switch in-band FEC on while the peer sees loss. Works over any
/// <see cref="Stream"/>; owns both streams and disposes them when it stops.
/// </summary>
internal sealed class AudioSender : IAsyncDisposable
{
    private const int SendTimeSlots = 1024;

    private readonly Guid _callId;
    private readonly CallKeys _keys;
    private readonly Stream _media;
    private readonly Stream? _reports;
    private readonly IAudioSource _source;
    private readonly AudioSenderOptions _options;
    private readonly CallStatsCalculator _stats;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly OpusAudioEncoder _encoder;
    private readonly Lock _encoderLock = new();
    private readonly MediaFrameSealer _sealer;
    private readonly FrameClock? _clock;
    private readonly CancellationTokenSource _stop = new();
    private readonly (long Sequence, long SentAt)[] _sendTimes = new (long, long)[SendTimeSlots];
    private Task _sendLoop = Task.CompletedTask;
    private Task _reportLoop = Task.CompletedTask;
    private long _framesSent;
    private long _reportCount;
    private int _cleanReports;
    private bool _disposed;

    private AudioSender(Guid callId, CallKeys keys, Stream media, IAudioSource source, Stream? reports, AudioSenderOptions options,
        CallStatsCalculator stats, TimeProvider time, ILogger logger)
    {
        _callId = callId;
        _keys = keys;
        _media = media;
        _source = source;
        _reports = reports;
        _options = options;
        _stats = stats;
        _time = time;
        _logger = logger;
        _encoder = OpusAudioEncoder.Create(options.Encoder, logger);
        _sealer = new MediaFrameSealer(keys.Send, MediaStreamKind.Audio);
        // Created before StartAsync returns so the first frame is due exactly one frame after the start.
        _clock = options.PaceWithClock ? new FrameClock(time) : null;
        Array.Fill(_sendTimes, (-1, 0));
    }

    /// <summary>Writes the preamble and starts sending.</summary>
    /// <param name="callId">The call the stream belongs to.</param>
    /// <param name="keys">The call's keys: <see cref="CallKeys.Send"/> seals audio, <see cref="CallKeys.Receive"/> opens reports. Not owned.</param>
    /// <param name="media">Outgoing media stream (owned from now on).</param>
    /// <param name="source">Where audio comes from (not owned). Sending stops when it ends.</param>
    /// <param name="reports">Incoming receiver reports from the peer (owned), or null to run without RTT and FEC adaptation.</param>
    /// <param name="options">Codec and pacing; <see cref="AudioSenderOptions.Default"/> when null.</param>
    /// <param name="stats">Shared per-call statistics; a private one when null.</param>
    /// <param name="timeProvider">Clock for pacing, timestamps and RTT; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="cancellationToken">Cancels writing the preamble.</param>
    /// <returns>The running sender.</returns>
    public static async ValueTask<AudioSender> StartAsync(
        Guid callId, CallKeys keys, Stream media, IAudioSource source, Stream? reports = null, AudioSenderOptions? options = null,
        CallStatsCalculator? stats = null, TimeProvider? timeProvider = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(source);
        options ??= AudioSenderOptions.Default;
        options.Validate();
        timeProvider ??= TimeProvider.System;
        var sender = new AudioSender(callId, keys, media, source, reports, options, stats ?? new CallStatsCalculator(timeProvider),
            timeProvider, logger ?? NullLogger.Instance);
        await AudioStreamLifetime.WritePreambleOrDisposeAsync(
            sender, new MediaStreamPreamble(callId, MediaStreamKind.Audio), media, cancellationToken).ConfigureAwait(false);

        CancellationToken stop = sender._stop.Token;
        sender._sendLoop = MediaThread.Start("irohsocial-audio-send", urgent: true, () => sender.SendLoop(stop));
        if (reports is not null)
        {
            sender._reportLoop = Task.Run(() => sender.ReportLoopAsync(reports, sender._stop.Token));
        }

        return sender;
    }

    /// <summary>Completes when the source has ended and the stream is closed; faults if the stream broke.</summary>
    public Task Completion => _sendLoop;

    /// <summary>Whether the report reader stopped (end, refusal or error).</summary>
    internal bool ReportLoopCompleted => _reportLoop.IsCompleted;

    /// <summary>Frames sent so far.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Receiver reports accepted so far.</summary>
    public long ReportsReceived => Interlocked.Read(ref _reportCount);

    /// <summary>The statistics this sender feeds (RTT, send bitrate, remote loss).</summary>
    public CallStatsCalculator Stats => _stats;

    /// <summary>Whether Opus packets are implemented by native libopus.</summary>
    public bool IsNativeCodec => _encoder.IsNative;

    /// <summary>Mute: frames keep flowing (DTX silence) so the stream and statistics stay alive.</summary>
    public bool Muted
    {
        get
        {
            lock (_encoderLock)
            {
                return _encoder.Muted;
            }
        }

        set
        {
            lock (_encoderLock)
            {
                _encoder.Muted = value;
            }
        }
    }

    /// <summary>Whether in-band FEC is on (switched by the peer's loss reports).</summary>
    public bool InbandFec
    {
        get
        {
            lock (_encoderLock)
            {
                return _encoder.InbandFec;
            }
        }
    }

    /// <summary>Stops sending, closes the streams and frees the encoder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        await AudioStreamLifetime.WhenAllEndedAsync(_sendLoop, _reportLoop).ConfigureAwait(false);
        await AudioStreamLifetime.CloseStreamsAsync(_media, _reports).ConfigureAwait(false);

        lock (_encoderLock)
        {
            _encoder.Dispose();
        }

        _stop.Dispose();
    }

    /// <summary>
    /// Runs on its own thread (<see cref="MediaThread"/>): pacing, encoding and handing the frame to the transport
    /// never wait for a thread-pool worker, so a busy pool (video, TLS) does not delay audio.
    /// </summary>
    private void SendLoop(CancellationToken cancellationToken)
    {
        var pcm = new short[AudioFormat.SamplesPerFrame];
        var packet = new byte[OpusAudioEncoder.MaxPacketSize];
        var wire = new byte[MediaFrameSealer.GetFrameSize(OpusAudioEncoder.MaxPacketSize)];
        try
        {
            while (true)
            {
                // Paced: frame n goes out at start + n·20 ms and carries that time, however late this loop wakes up;
                // frames whose time has passed go out back to back, none is skipped. Unpaced (live devices): the
                // read returns when the frame was captured, so the clock now is its capture time.
                ulong timestamp = 0;
                if (_clock is not null)
                {
                    timestamp = _clock.ScheduledUnixMicroseconds(_clock.WaitForNextFrame(cancellationToken));
                }

                if (!MediaThread.Wait(_source.ReadFrameAsync(pcm, cancellationToken)))
                {
                    break;
                }

                if (_clock is null)
                {
                    timestamp = UnixMicroseconds(_time);
                }

                int length;
                lock (_encoderLock)
                {
                    length = _encoder.Encode(pcm, packet);
                }

                uint sequence = _sealer.NextSequence;
                int size = _sealer.Seal(timestamp, packet.AsSpan(0, length), wire);
                Volatile.Write(ref _sendTimes[sequence % SendTimeSlots].SentAt, _time.GetTimestamp());
                Volatile.Write(ref _sendTimes[sequence % SendTimeSlots].Sequence, sequence);
                MediaThread.Wait(_media.WriteAsync(wire.AsMemory(0, size), cancellationToken));
                MediaThread.Wait(new ValueTask(_media.FlushAsync(cancellationToken)));
                _stats.RecordBytesSent(size);
                Interlocked.Increment(ref _framesSent);
            }

            // End of source: closing the stream tells the receiver to play out what it has and stop.
            MediaThread.Wait(_media.DisposeAsync());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            Log.PipelineFailed(_logger, "sender", ex);
            throw;
        }
    }

    private async Task ReportLoopAsync(Stream reports, CancellationToken cancellationToken)
    {
        try
        {
            MediaStreamPreamble preamble = await MediaStreamPreamble.ReadAsync(reports, cancellationToken).ConfigureAwait(false);
            if (preamble.CallId != _callId || preamble.Kind != MediaStreamKind.AudioReport)
            {
                Log.StreamRefused(_logger, "report stream for another call or of another kind");
                return;
            }

            var reader = new MediaFrameReader(reports, ReceiverReport.Size + MediaFrameCipher.TagSize);
            var opener = new MediaFrameOpener(_keys.Receive, MediaStreamKind.AudioReport);
            var plain = new byte[ReceiverReport.Size];
            while (await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false) is { } frame)
            {
                if (opener.TryOpen(frame.Header, frame.Data.Span, plain, out int length) == MediaFrameOpenResult.Opened
                    && ReceiverReport.TryRead(plain.AsSpan(0, length), out ReceiverReport report))
                {
                    Apply(report);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is MediaException or IOException or ObjectDisposedException)
        {
            // Reports are advisory: losing them costs RTT and FEC adaptation, not the call's audio.
            Log.PipelineFailed(_logger, "report reader", ex);
        }
    }

    private void Apply(ReceiverReport report)
    {
        Interlocked.Increment(ref _reportCount);
        if (report.EchoSequence != ReceiverReport.NoEcho)
        {
            ref (long Sequence, long SentAt) slot = ref _sendTimes[report.EchoSequence % SendTimeSlots];
            if (Volatile.Read(ref slot.Sequence) == report.EchoSequence)
            {
                TimeSpan sinceSent = _time.GetElapsedTime(Volatile.Read(ref slot.SentAt));
                _stats.RecordRoundTrip(sinceSent - TimeSpan.FromTicks(report.EchoDelayMicroseconds * 10L));
            }
        }

        double loss = report.LossPermille / 1000.0;
        _stats.RecordRemoteLoss(loss);
        lock (_encoderLock)
        {
            if (loss >= _options.FecLossThreshold && loss > 0)
            {
                _cleanReports = 0;
                int percent = Math.Clamp((int)Math.Ceiling(loss * 100), 1, 50);
                if (!_encoder.InbandFec)
                {
                    Log.FecChanged(_logger, "on", percent);
                }

                _encoder.InbandFec = true;
                _encoder.ExpectedPacketLossPercent = percent;
                // Give the redundancy room: FEC needs bitrate headroom to be emitted at all.
                _encoder.Bitrate = OpusEncoderOptions.MaxBitrate;
            }
            else if (loss == 0 && _encoder.InbandFec && ++_cleanReports >= _options.FecOffAfterCleanReports)
            {
                Log.FecChanged(_logger, "off", 0);
                _encoder.InbandFec = _options.Encoder.UseInbandFec;
                _encoder.ExpectedPacketLossPercent = _options.Encoder.ExpectedPacketLossPercent;
                _encoder.Bitrate = _options.Encoder.Bitrate;
            }
        }
    }

    internal static ulong UnixMicroseconds(TimeProvider time) =>
        (ulong)((time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10);
}
