using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using IrohSocial.Crypto;
using IrohSocial.Hosting;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Video;

namespace IrohSocial.Web.Server;

/// <summary>
/// The call the page is in and its devices: the page's microphone and camera as push sources, its speaker and canvas
/// as sinks. One call at a time (the SDK's rule); devices are made for each call and disposed when it ends.
/// </summary>
public sealed partial class CallSession(IrohSocialHost host, ContactBook contacts, WebAppSettings settings, ILogger<CallSession> logger)
{
    private readonly Lock _gate = new();
    private Devices? _devices;
    private MediaSocket? _page;

    private sealed record Devices(string CallId, PageMicrophone Microphone, PushVideoSource Camera, PageSpeaker Speaker, PageScreen Screen) : IAsyncDisposable
    {
        public CallMedia ToMedia(bool video) => new()
        {
            AudioSource = Microphone,
            AudioSink = Speaker,
            VideoSource = Camera,
            VideoSink = Screen,
            Video = video,
        };

        public async ValueTask DisposeAsync()
        {
            await Microphone.DisposeAsync().ConfigureAwait(false);
            await Camera.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal MediaSocket? Page => Volatile.Read(ref _page);

    /// <summary>The call that is ringing or active.</summary>
    public Call? Current => host.Node.Calls.CurrentCall;

    /// <summary>Media figures of the current call's devices, for the latency display.</summary>
    public (double MicQueueMs, long MicDropped, long CameraDropped, long PicturesShown)? DeviceFigures
    {
        get
        {
            var devices = Volatile.Read(ref _devices);
            return devices is null ? null : (devices.Microphone.QueueWaitMilliseconds, devices.Microphone.DroppedFrames, devices.Camera.FramesDropped, devices.Screen.Frames);
        }
    }

    public async Task<Call> StartAsync(EndpointId peer, bool video, CancellationToken cancellationToken)
    {
        var contact = contacts.Find(peer) ?? throw new ArgumentException("Add the peer as a contact (by ticket) before calling it.");
        var devices = NewDevices(null);
        try
        {
            var call = await host.Node.Calls.StartCallAsync(contact.ToAddress(), devices.ToMedia(video), cancellationToken).ConfigureAwait(false);
            Install(devices with { CallId = call.Id });
            return call;
        }
        catch
        {
            await devices.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<Call> AnswerAsync(string callId, bool video, CancellationToken cancellationToken)
    {
        var devices = NewDevices(callId);
        try
        {
            Install(devices);
            return await host.Node.Calls.AnswerAsync(callId, devices.ToMedia(video), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ReleaseAsync(callId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Disposes the devices of an ended call.</summary>
    public async Task ReleaseAsync(string callId)
    {
        Devices? devices;
        lock (_gate)
        {
            devices = _devices?.CallId == callId ? _devices : null;
            if (devices is not null)
            {
                _devices = null;
            }
        }

        if (devices is not null)
        {
            await devices.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Serves one page's media WebSocket until it closes; a newer page takes over from an older one.</summary>
    internal async Task RunMediaSocketAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var page = new MediaSocket(socket);
        Volatile.Write(ref _page, page);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = page.RunWriterAsync(stop.Token);
        var buffer = new byte[MediaWire.MaxMessage];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "media message too large", cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await OnPageMessageAsync(page, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // the page closed or the server is stopping
        }
        finally
        {
            Interlocked.CompareExchange(ref _page, null, page);
            await stop.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }
    }

    private async ValueTask OnPageMessageAsync(MediaSocket page, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (message.IsEmpty)
        {
            return;
        }

        var body = message[1..];
        switch (message.Span[0])
        {
            case MediaWire.Ping when body.Length == 8:
                var pong = new byte[9];
                pong[0] = MediaWire.Pong;
                body.Span.CopyTo(pong.AsSpan(1));
                page.SendControl(pong);
                break;
            case MediaWire.MicrophoneAudio when body.Length == AudioFormat.SamplesPerFrame * 2:
                if (Volatile.Read(ref _devices) is { } withMic && Current is { State: CallState.Active })
                {
                    var samples = MemoryMarshal.Cast<byte, short>(body.Span).ToArray();
                    await withMic.Microphone.PushAsync(samples, cancellationToken).ConfigureAwait(false);
                }

                break;
            case MediaWire.CameraPicture when body.Length >= 4:
                var width = BinaryPrimitives.ReadUInt16LittleEndian(body.Span);
                var height = BinaryPrimitives.ReadUInt16LittleEndian(body.Span[2..]);
                if (Volatile.Read(ref _devices) is { } withCamera && width == withCamera.Camera.Format.Width && height == withCamera.Camera.Format.Height
                    && body.Length - 4 == I420Frame.GetSize(width, height))
                {
                    var frame = new I420Frame(width, height);
                    body.Span[4..].CopyTo(frame.Data.Span);
                    withCamera.Camera.TryPush(frame);
                }

                break;
            default:
                Log.BadMediaMessage(logger, message.Span[0], message.Length);
                break;
        }
    }

    private Devices NewDevices(string? callId) =>
        new(callId ?? string.Empty, new PageMicrophone(), new PushVideoSource(settings.Video), new PageSpeaker(this), new PageScreen(this));

    private void Install(Devices devices)
    {
        Devices? previous;
        lock (_gate)
        {
            previous = _devices;
            _devices = devices;
        }

        if (previous is not null)
        {
            _ = previous.DisposeAsync().AsTask();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Ignored a media message of type {Type} and {Length} bytes from the page")]
        public static partial void BadMediaMessage(ILogger logger, byte type, int length);
    }
}
