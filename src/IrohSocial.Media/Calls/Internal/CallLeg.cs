using System.Buffers.Binary;
using IrohSocial.Crypto;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Stats;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// One <c>iroh-social/call/1</c> connection of a call (the first one, or one restored after a drop), with the
/// media running over it. Each leg has its own epoch and so its own keys: a restored leg starts new sealers at
/// sequence 0, which would repeat nonces under the old keys.
/// </summary>
internal sealed partial class CallLeg : IAsyncDisposable
{
    private readonly CallCore _call;
    private readonly CallKeys _keys;
    private readonly CallOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CallStatsCalculator _stats;
    private readonly DeferredReadStream _incomingReports = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly MediaFrameOpener _videoOpener;
    private AudioSender? _audioSender;
    private AudioReceiver? _audioReceiver;
    private TransportStream? _control;
    private readonly SemaphoreSlim _controlWrite = new(1, 1);
    private long _controlsReceived;
    private bool _disposed;

    public CallLeg(CallCore call, Connection connection, uint epoch, CallKeys keys, CallOptions options, TimeProvider time, ILogger logger)
    {
        _call = call;
        Connection = connection;
        Epoch = epoch;
        _keys = keys;
        _options = options;
        _time = time;
        _logger = logger;
        _stats = new CallStatsCalculator(time);
        _videoOpener = new MediaFrameOpener(keys.Receive, MediaStreamKind.Video);
        InitVideoConnection();
    }

    public Connection Connection { get; }

    public uint Epoch { get; }

    public long AudioFramesSent => _audioSender?.FramesSent ?? 0;

    public long AudioFramesPlayed => _audioReceiver?.PlayedFrames ?? 0;

    public long ConcealedFrames => _audioReceiver?.JitterBuffer.PlayedConcealmentFrames ?? 0;

    public long LateFrames => _audioReceiver?.JitterBuffer.LateFrames ?? 0;

    public long FecRecoveredFrames => _audioReceiver?.JitterBuffer.FecRecoveredFrames ?? 0;

    public long RejectedAudioFrames => _audioReceiver?.RejectedFrames ?? 0;

    /// <summary>Grows with everything that arrives from the peer on this leg (audio, video, control messages): the watchdog's sign of life.</summary>
    public long ActivityCount =>
        Interlocked.Read(ref _controlsReceived) + (_audioReceiver?.JitterBuffer.ReceivedFrames ?? 0) + VideoFramesDecoded;

    /// <summary>Tells the peer this connection still works (see <see cref="ControlMessage.KeepAlive"/>).</summary>
    public async Task SendKeepAliveAsync()
    {
        try
        {
            await SendControlAsync(ControlMessage.KeepAlive, 0).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the leg was closed while the keep-alive waited for the control stream
        }
    }

    /// <summary>Derives the keys of a leg: epoch 0 uses the 16 call id bytes, later epochs append the epoch (u32, big-endian).</summary>
    public static CallKeys DeriveKeys(byte[] callerSecret, byte[] calleeSecret, Guid callId, uint epoch, bool isCaller)
    {
        Span<byte> salt = stackalloc byte[20];
        callId.TryWriteBytes(salt[..16], bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(salt[16..], epoch);
        return CallKeys.Derive(callerSecret, calleeSecret, epoch == 0 ? salt[..16] : salt, isCaller);
    }

    /// <summary>Opens this side's control stream (announcing the epoch) and audio stream, and starts sending.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var control = await Connection.OpenUnidirectionalStreamAsync(cancellationToken).ConfigureAwait(false);
        await EpochStreamHead.WriteAsync(control, _call.CallGuid, MediaStreamKind.Control, Epoch, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _control = control;
        }

        var audio = await Connection.OpenUnidirectionalStreamAsync(cancellationToken).ConfigureAwait(false);
        var sender = await AudioSender.StartAsync(
            _call.CallGuid, _keys, audio, _call.AudioSource, _incomingReports, _options.AudioSender, _stats, _time, _logger, cancellationToken)
            .ConfigureAwait(false);
        sender.Muted = _call.Muted;
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
            _audioSender = sender;
        }

        if (disposed)
        {
            await sender.DisposeAsync().ConfigureAwait(false);
        }

        StartVideo();
    }

    public void SetMuted(bool muted)
    {
        var sender = _audioSender;
        if (sender is not null)
        {
            sender.Muted = muted;
        }
    }

    /// <summary>Takes a stream the peer opened on this leg (its preamble already read and checked).</summary>
    public async Task AcceptAsync(MediaStreamKind kind, TransportStream stream, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case MediaStreamKind.Audio:
                await StartAudioReceiverAsync(stream, cancellationToken).ConfigureAwait(false);
                break;
            case MediaStreamKind.AudioReport:
                if (!_incomingReports.TryAttach(stream, new MediaStreamPreamble(_call.CallGuid, MediaStreamKind.AudioReport).ToArray()))
                {
                    await RefuseAsync(stream, "a second report stream").ConfigureAwait(false);
                }

                break;
            case MediaStreamKind.Video:
                await ReceiveVideoAsync(stream, _stop.Token).ConfigureAwait(false);
                break;
            case MediaStreamKind.Control:
                await ReadControlAsync(stream, _stop.Token).ConfigureAwait(false);
                break;
            default:
                await RefuseAsync(stream, "unknown stream kind").ConfigureAwait(false);
                break;
        }
    }

    private async Task StartAudioReceiverAsync(TransportStream stream, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_audioReceiver is not null || _disposed)
            {
                stream.Abort(CallStreamErrors.Refused);
                return;
            }
        }

        var reports = await Connection.OpenUnidirectionalStreamAsync(cancellationToken).ConfigureAwait(false);
        var receiver = await AudioReceiver.StartAsync(
            _call.CallGuid, _keys, stream, _call.AudioSink, reports,
            _options.AudioReceiver with { ReadPreamble = false, StatsInterval = _options.StatsInterval }, _stats, _time, _logger, cancellationToken)
            .ConfigureAwait(false);
        receiver.StatsUpdated += (_, stats) => _call.OnStats(stats, VideoStats());
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
            _audioReceiver = receiver;
        }

        if (disposed)
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
            return;
        }

        _ = receiver.Completion.ContinueWith(
            (t, s) => ((CallCore)s!).OnReceivedAudioCompleted(t),
            _call, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static ValueTask RefuseAsync(TransportStream stream, string reason)
    {
        _ = reason;
        stream.Abort(CallStreamErrors.Refused);
        return stream.DisposeAsync();
    }

    /// <summary>Sends one control message ([u8 type][u8 value]) on this side's control stream.</summary>
    private async Task SendControlAsync(ControlMessage type, byte value)
    {
        TransportStream? control;
        lock (_gate)
        {
            control = _control;
        }

        if (control is null)
        {
            return;
        }

        await _controlWrite.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            await control.WriteAsync(new[] { (byte)type, value }, _stop.Token).ConfigureAwait(false);
            await control.FlushAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or TransportException)
        {
            // the leg is going away; the next leg announces the state again
        }
        finally
        {
            _controlWrite.Release();
        }
    }

    private async Task ReadControlAsync(TransportStream stream, CancellationToken cancellationToken)
    {
        await using (stream.ConfigureAwait(false))
        {
            var message = new byte[2];
            try
            {
                while (true)
                {
                    await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _controlsReceived);
                    OnControl((ControlMessage)message[0], message[1]);
                }
            }
            catch (Exception ex) when (ex is EndOfStreamException or IOException or ObjectDisposedException or OperationCanceledException or TransportException)
            {
                // the peer closed its control stream or the leg ended
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        AudioSender? sender;
        AudioReceiver? receiver;
        TransportStream? control;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            sender = _audioSender;
            receiver = _audioReceiver;
            control = _control;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (sender is not null)
        {
            await sender.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            await _incomingReports.DisposeAsync().ConfigureAwait(false);
        }

        if (receiver is not null)
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
        }

        await StopVideoAsync().ConfigureAwait(false);
        DisposeVideo();
        if (control is not null)
        {
            await control.DisposeAsync().ConfigureAwait(false);
        }

        _keys.Dispose();
    }
}
