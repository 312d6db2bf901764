using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Video;

namespace IrohSocial.Web.Server;

/// <summary>
/// Binary messages on <c>/ws/media</c>. Page to server: microphone PCM, camera pictures, latency pings. Server to page:
/// received PCM, decoded pictures, pongs. Integers little-endian.
/// </summary>
internal static class MediaWire
{
    /// <summary>Page → server: <c>[0x01][960 × int16]</c>, 20 ms of 48 kHz mono microphone audio.</summary>
    public const byte MicrophoneAudio = 0x01;

    /// <summary>Page → server: <c>[0x02][u16 width][u16 height][I420 planes]</c>, one camera picture.</summary>
    public const byte CameraPicture = 0x02;

    /// <summary>Page → server: <c>[0x03][f64 page time]</c>; answered at once with <see cref="Pong"/>.</summary>
    public const byte Ping = 0x03;

    /// <summary>Server → page: <c>[0x11][960 × int16]</c>, 20 ms of the peer's audio as the call plays it out.</summary>
    public const byte PeerAudio = 0x11;

    /// <summary>Server → page: <c>[0x12][u16 width][u16 height][I420 planes]</c>, one decoded picture of the peer.</summary>
    public const byte PeerPicture = 0x12;

    /// <summary>Server → page: <c>[0x13][f64 page time]</c>, the ping echoed.</summary>
    public const byte Pong = 0x13;

    /// <summary>Largest message accepted from the page (a 1920x1080 picture and its header).</summary>
    public const int MaxMessage = 5 + (1920 * 1080 * 3 / 2);
}

/// <summary>
/// The page's end of the media WebSocket: one writer loop that sends pongs first, then audio, then video, so a picture
/// never delays the next 20 ms of sound. Queues are small and drop their oldest entry: live media, not a file.
/// </summary>
internal sealed class MediaSocket(WebSocket socket)
{
    private readonly Channel<byte[]> _control = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Channel<byte[]> _audio = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(10) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Channel<byte[]> _video = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    public WebSocket Socket => socket;

    public void SendControl(byte[] message) => _control.Writer.TryWrite(message);

    public void SendAudio(byte[] message) => _audio.Writer.TryWrite(message);

    public void SendVideo(byte[] message) => _video.Writer.TryWrite(message);

    public async Task RunWriterAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                if (_control.Reader.TryRead(out var message) || _audio.Reader.TryRead(out message) || _video.Reader.TryRead(out message))
                {
                    await socket.SendAsync(message, WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await Task.WhenAny(
                    _control.Reader.WaitToReadAsync(cancellationToken).AsTask(),
                    _audio.Reader.WaitToReadAsync(cancellationToken).AsTask(),
                    _video.Reader.WaitToReadAsync(cancellationToken).AsTask()).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // the page went away
        }
    }
}

/// <summary>
/// The browser's microphone as a call's audio source: the SDK's <see cref="PushAudioSource"/>, fed 20 ms frames from the
/// page, with what the page needs to show latency. Frames from a busy browser arrive in bursts; a burst is absorbed, but
/// a queue that stays deep (its shortest length over the last second is 3 frames or more) is trimmed by dropping
/// incoming frames, so a delay that built up once does not last the whole call. Over <see cref="MaxQueuedFrames"/> every
/// frame is dropped.
/// </summary>
internal sealed class PageMicrophone : IAudioSource
{
    public const int MaxQueuedFrames = 25;
    private const int WindowReads = 50;
    private const int StandingTarget = 2;
    private readonly PushAudioSource _push = new(capacityChunks: MaxQueuedFrames + 5);
    private readonly Queue<long> _pushedAt = new();
    private readonly Lock _gate = new();
    private double _queueWaitMs;
    private long _dropped;
    private int _reads;
    private int _shortest = int.MaxValue;
    private int _toDrop;

    /// <summary>Average time a frame waited between arriving from the page and being encoded (exponential, ~1 s).</summary>
    public double QueueWaitMilliseconds
    {
        get
        {
            lock (_gate)
            {
                return _queueWaitMs;
            }
        }
    }

    public long DroppedFrames => Interlocked.Read(ref _dropped);

    public async ValueTask PushAsync(short[] frame, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_pushedAt.Count >= MaxQueuedFrames || _toDrop > 0)
            {
                _toDrop = Math.Max(0, _toDrop - 1);
                Interlocked.Increment(ref _dropped);
                return;
            }

            _pushedAt.Enqueue(Stopwatch.GetTimestamp());
        }

        await _push.PushAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> ReadFrameAsync(Memory<short> frame, CancellationToken cancellationToken = default)
    {
        var read = await _push.ReadFrameAsync(frame, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            // Frames are exactly one SDK frame long, so each read takes one pushed frame.
            if (read && _pushedAt.TryDequeue(out var pushedAt))
            {
                var wait = Stopwatch.GetElapsedTime(pushedAt).TotalMilliseconds;
                _queueWaitMs = _queueWaitMs == 0 ? wait : (_queueWaitMs * 0.95) + (wait * 0.05);
            }

            _shortest = Math.Min(_shortest, _pushedAt.Count);
            if (++_reads == WindowReads)
            {
                _toDrop = Math.Max(0, _shortest - StandingTarget);
                _reads = 0;
                _shortest = int.MaxValue;
            }
        }

        return read;
    }

    public ValueTask DisposeAsync() => _push.DisposeAsync();
}

/// <summary>The browser's speaker as a call's audio sink: each played 20 ms frame goes to the page.</summary>
internal sealed class PageSpeaker(CallSession session) : IAudioSink
{
    public ValueTask WriteFrameAsync(ReadOnlyMemory<short> frame, CancellationToken cancellationToken = default)
    {
        var message = new byte[1 + (frame.Length * 2)];
        message[0] = MediaWire.PeerAudio;
        MemoryMarshal.AsBytes(frame.Span).CopyTo(message.AsSpan(1));
        session.Page?.SendAudio(message);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The browser's canvas as a call's video sink: each decoded picture goes to the page (newest wins).</summary>
internal sealed class PageScreen(CallSession session) : IVideoSink
{
    private long _frames;

    public long Frames => Interlocked.Read(ref _frames);

    public ValueTask WriteFrameAsync(I420Frame frame, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _frames);
        if (session.Page is { } page)
        {
            var message = new byte[5 + frame.Length];
            message[0] = MediaWire.PeerPicture;
            BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(1), (ushort)frame.Width);
            BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(3), (ushort)frame.Height);
            frame.Data.Span.CopyTo(message.AsSpan(5));
            page.SendVideo(message);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
