using System.Buffers;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Video;
using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// Video over the leg. Each VP9 frame (its 21-byte header and payload) is the plaintext of one or more media frames
/// sealed with the leg's video key (kind <see cref="MediaStreamKind.Video"/>), split into chunks that fit the
/// media frame's u16 length. The receiver reassembles, decodes, and asks for keyframes on the control stream.
/// </summary>
internal sealed partial class CallLeg
{
    private const int VideoChunk = 60_000;

    private readonly VideoRateMeter _sentVideo = new();
    private readonly VideoRateMeter _receivedVideo = new();
    private VideoSender? _videoSender;
    private VideoBitrateController? _bitrate;
    private Task _videoSendLoop = Task.CompletedTask;
    private CancellationTokenSource? _videoStop;
    private long _videoFramesSent;
    private long _videoFramesDecoded;
    private int _peerVideoOn;

    public long VideoFramesSent => Interlocked.Read(ref _videoFramesSent);

    public long VideoFramesDecoded => Interlocked.Read(ref _videoFramesDecoded);

    /// <summary>Turns sending on or off and tells the peer on the control stream.</summary>
    public async Task SetVideoEnabledAsync(bool enabled, CancellationToken cancellationToken)
    {
        if (enabled)
        {
            StartVideo();
        }
        else
        {
            await StopVideoAsync().ConfigureAwait(false);
        }

        await SendControlAsync(ControlMessage.VideoState, enabled ? (byte)1 : (byte)0).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void StartVideo()
    {
        var source = _call.Media.VideoSource;
        lock (_gate)
        {
            if (_disposed || source is null || !_call.VideoEnabled || !_videoSendLoop.IsCompleted)
            {
                return;
            }

            _videoStop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var token = _videoStop.Token;
            _videoSendLoop = Task.Run(() => SendVideoAsync(source, token));
        }
    }

    private async Task StopVideoAsync()
    {
        Task loop;
        lock (_gate)
        {
            _videoStop?.Cancel();
            loop = _videoSendLoop;
        }

        await loop.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
    }

    private async Task SendVideoAsync(IVideoSource source, CancellationToken cancellationToken)
    {
        TransportStream? stream = null;
        try
        {
            stream = await Connection.OpenUnidirectionalStreamAsync(cancellationToken).ConfigureAwait(false);
            await new MediaStreamPreamble(_call.CallGuid, MediaStreamKind.Video).WriteAsync(stream, cancellationToken).ConfigureAwait(false);
            var format = source.Format;
            var sender = _videoSender ??= new VideoSender(new Vp9EncoderOptions { Width = format.Width, Height = format.Height }, _time, _logger);
            _bitrate ??= new VideoBitrateController(timeProvider: _time);
            var sealer = _videoSealer ??= new MediaFrameSealer(_keys.Send, MediaStreamKind.Video);
            sender.RequestKeyframe();
            _call.MarkVideoUsed();
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / format.FramesPerSecond), _time);
            long lastAdapt = _time.GetTimestamp();
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                using var frame = await source.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                if (frame is null)
                {
                    break;
                }

                if (_time.GetElapsedTime(lastAdapt) >= _options.StatsInterval)
                {
                    lastAdapt = _time.GetTimestamp();
                    Adapt(sender);
                }

                foreach (var packet in sender.Send(frame))
                {
                    await WriteVideoPacketAsync(stream, sealer, packet, cancellationToken).ConfigureAwait(false);
                    _sentVideo.Record(packet.Length, packet.Header.Width, packet.Header.Height);
                    Interlocked.Increment(ref _videoFramesSent);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or TransportException or VideoException)
        {
            // toggled off, leg ended, or the encoder failed (logged by the encoder)
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private MediaFrameSealer? _videoSealer;

    /// <summary>Feeds the bitrate controller with what the link carried: sent goodput, the peer's loss reports and the RTT.</summary>
    private void Adapt(VideoSender sender)
    {
        var audio = _call.LatestStats;
        // Goodput covers audio and video together, as the controller's estimate does (it keeps audio's reserve).
        double goodput = _sentVideo.BitrateKbps + ((audio?.SendBitrate ?? 0) / 1000);
        var sample = new VideoNetworkSample(goodput, Math.Clamp(audio?.RemoteLossFraction ?? 0, 0, 1), audio?.RoundTripTime ?? TimeSpan.Zero);
        var target = _bitrate!.Update(sample);
        sender.Apply(target);
    }

    private static async Task WriteVideoPacketAsync(Stream stream, MediaFrameSealer sealer, VideoPacket packet, CancellationToken cancellationToken)
    {
        var plain = ArrayPool<byte>.Shared.Rent(packet.Length);
        try
        {
            packet.WriteTo(plain);
            for (int offset = 0; offset < packet.Length; offset += VideoChunk)
            {
                int count = Math.Min(VideoChunk, packet.Length - offset);
                byte[] sealedFrame = sealer.Seal((ulong)packet.Header.TimestampUs, plain.AsSpan(offset, count));
                await stream.WriteAsync(sealedFrame, cancellationToken).ConfigureAwait(false);
            }

            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    private async Task ReceiveVideoAsync(TransportStream stream, CancellationToken cancellationToken)
    {
        var opener = new MediaFrameOpener(_keys.Receive, MediaStreamKind.Video);
        var reader = new MediaFrameReader(stream);
        using var receiver = new VideoReceiver(timeProvider: _time, logger: _logger);
        var assembly = new ArrayBufferWriter<byte>();
        Volatile.Write(ref _peerVideoOn, 1);
        try
        {
            while (await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false) is { } sealedFrame)
            {
                if (opener.TryOpen(sealedFrame, out byte[] chunk) != MediaFrameOpenResult.Opened)
                {
                    assembly.Clear();
                    await SendControlAsync(ControlMessage.KeyframeRequest, 0).ConfigureAwait(false);
                    continue;
                }

                assembly.Write(chunk);
                var status = VideoFrameHeader.TryRead(assembly.WrittenSpan, out var header);
                if (status == OperationStatus.InvalidData)
                {
                    throw new MediaException(MediaError.InvalidFrame, "Invalid video frame header.");
                }

                if (status != OperationStatus.Done || assembly.WrittenCount < VideoFrameHeader.Size + header.PayloadLength)
                {
                    continue;
                }

                var payload = assembly.WrittenMemory.Slice(VideoFrameHeader.Size, (int)header.PayloadLength);
                _receivedVideo.Record(VideoFrameHeader.Size + payload.Length, header.Width, header.Height);
                await _call.WriteReceivedVideoAsync(header, payload, cancellationToken).ConfigureAwait(false);

                var result = receiver.Receive(header, payload.Span);
                assembly.Clear();
                if (result.RequestKeyframe)
                {
                    await SendControlAsync(ControlMessage.KeyframeRequest, 0).ConfigureAwait(false);
                }

                if (result.Frame is { } picture)
                {
                    using (picture)
                    {
                        Interlocked.Increment(ref _videoFramesDecoded);
                        if (_call.Media.VideoSink is { } sink)
                        {
                            await sink.WriteFrameAsync(picture, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or TransportException or MediaException or VideoException)
        {
            // the peer stopped its video, or the leg ended
        }
        finally
        {
            Volatile.Write(ref _peerVideoOn, 0);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private CallVideoStats? VideoStats()
    {
        if (_videoSendLoop.IsCompleted && Volatile.Read(ref _peerVideoOn) == 0)
        {
            return null;
        }

        return new CallVideoStats(
            _sentVideo.FramesPerSecond, _sentVideo.Width, _sentVideo.Height, _sentVideo.BitrateKbps, _bitrate?.Current.BitrateKbps ?? 0,
            _receivedVideo.FramesPerSecond, _receivedVideo.Width, _receivedVideo.Height, _receivedVideo.BitrateKbps);
    }

    private void OnControl(ControlMessage type, byte value)
    {
        switch (type)
        {
            case ControlMessage.KeyframeRequest:
                _videoSender?.RequestKeyframe();
                break;
            case ControlMessage.VideoState:
                _call.OnPeerVideoChanged(value != 0);
                break;
        }
    }

    private void DisposeVideo()
    {
        _videoSender?.Dispose();
        _videoStop?.Dispose();
    }
}
