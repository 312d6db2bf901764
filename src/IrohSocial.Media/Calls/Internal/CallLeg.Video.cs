using System.Buffers;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Video;
using IrohSocial.Media.Video.Internal;
using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// Video over the leg. Each VP9 frame (its 21-byte header and payload) is the plaintext of one or more media frames
/// sealed with the leg's video key (kind <see cref="MediaStreamKind.Video"/>), split into chunks that fit the
/// media frame's u16 length. The receiver reassembles, decodes, and asks for keyframes on the control stream.
/// The receiver acknowledges each complete frame on the control stream; the sender skips frames while its video in
/// flight is too old or a write is still running (see <see cref="VideoSendWindow"/>), so video never queues stale
/// frames in front of the audio, and the bitrate controller sees the skipping as congestion.
/// </summary>
internal sealed partial class CallLeg
{
    private const int VideoChunk = 60_000;

    // The meters are written by the media loops and read by the stats callback: _videoMeters guards both.
    private readonly Lock _videoMeters = new();
    private readonly VideoRateMeter _sentVideo = new();
    private readonly VideoRateMeter _receivedVideo = new();
    private VideoSendWindow? _sendWindow;
    private long _keyframeRequestsSent;
    private long _keyframeRequestsReceived;
    private VideoSender? _videoSender;
    private VideoBitrateController? _bitrate;
    private Task _videoSendLoop = Task.CompletedTask;
    private CancellationTokenSource? _videoStop;
    private long _videoFramesSent;
    private long _videoFramesDecoded;
    private int _peerVideoOn;

    public long VideoFramesSent => Interlocked.Read(ref _videoFramesSent);

    public long VideoFramesDecoded => Interlocked.Read(ref _videoFramesDecoded);

    public long VideoFramesSkipped => _sendWindow?.FramesSkipped ?? 0;

    public long KeyframeRequestsSent => Interlocked.Read(ref _keyframeRequestsSent);

    public long KeyframeRequestsReceived => Interlocked.Read(ref _keyframeRequestsReceived);

    public long KeyframeRequestsHonoured => _videoSender?.KeyframeRequestsHonoured ?? 0;

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
        // Over a separate video connection, a drop of that connection alone ends one stream, not the video: the loop
        // waits for the caller's next video connection (or the fallback to the call connection) and goes on there.
        while (await SendVideoStreamAsync(source, cancellationToken).ConfigureAwait(false) is { } failed && failed != Connection)
        {
            try
            {
                await failed.Closed.WaitAsync(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return; // the stream failed on a connection that stays up (the peer aborted it): that ends the video
            }

            DetachVideoConnection(failed);
        }
    }

    /// <summary>Sends video on one stream until the source ends or the stream fails; returns the connection that failed.</summary>
    private async Task<Connection?> SendVideoStreamAsync(IVideoSource source, CancellationToken cancellationToken)
    {
        TransportStream? stream = null;
        Connection? connection = null;
        Task write = Task.CompletedTask;
        using var encoder = new CodecWorker("irohsocial-video-encode");
        try
        {
            connection = await VideoConnectionAsync(cancellationToken).ConfigureAwait(false);
            stream = await connection.OpenUnidirectionalStreamAsync(cancellationToken).ConfigureAwait(false);
            await new MediaStreamPreamble(_call.CallGuid, MediaStreamKind.Video).WriteAsync(stream, cancellationToken).ConfigureAwait(false);
            var format = source.Format;
            var sender = _videoSender ??= new VideoSender(new Vp9EncoderOptions { Width = format.Width, Height = format.Height }, _time, _logger);
            _bitrate ??= new VideoBitrateController(timeProvider: _time);
            var window = _sendWindow ??= new VideoSendWindow(_time);
            window.Reset();
            var sealer = _videoSealer ??= new MediaFrameSealer(_keys.Send, MediaStreamKind.Video);
            sender.ForceKeyframe();
            _call.MarkVideoUsed();
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / format.FramesPerSecond), _time);
            long lastAdapt = _time.GetTimestamp();
            window.TakeSample(); // the first interval starts now, not when the leg was created
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
                    Adapt(sender, window);
                }

                if (!window.TryAdmitFrame(writeInProgress: !write.IsCompleted))
                {
                    // The link has not carried the previous frames yet. Skipping this one before encoding keeps the
                    // reference chain whole (no keyframe needed) and keeps stale video out of the audio's way.
                    continue;
                }

                await write.ConfigureAwait(false); // surfaces a failed write
                var packets = await encoder.RunAsync(() => sender.Send(frame)).ConfigureAwait(false);
                if (packets.Count == 0)
                {
                    continue;
                }

                lock (_videoMeters)
                {
                    foreach (var packet in packets)
                    {
                        _sentVideo.Record(packet.Length, packet.Header.Width, packet.Header.Height);
                    }
                }

                foreach (var packet in packets)
                {
                    window.RecordSent(packet.Header.Sequence, packet.Length);
                }

                Interlocked.Add(ref _videoFramesSent, packets.Count);
                write = WriteVideoPacketsAsync(stream, sealer, packets, window, cancellationToken);
            }

            await write.ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or TransportException && !cancellationToken.IsCancellationRequested
            && connection is not null && connection != Connection)
        {
            return connection; // the stream on the separate video connection failed: most likely that connection dropped
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or TransportException or MediaException)
        {
            // toggled off, leg ended, or the encoder failed (logged by the encoder)
            return null;
        }
        finally
        {
            // A write still running owns the stream until it ends (cancelled with the loop).
            await write.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private MediaFrameSealer? _videoSealer;

    /// <summary>
    /// Feeds the bitrate controller with what the link carried: the video the transport took plus audio's rate, the
    /// peer's loss reports, the RTT, and the share of frames skipped because the transport pushed back.
    /// </summary>
    private void Adapt(VideoSender sender, VideoSendWindow window)
    {
        var audio = _call.LatestStats;
        var (skipped, videoKbps) = window.TakeSample();

        // Goodput covers audio and video together, as the controller's estimate does (it keeps audio's reserve).
        double goodput = videoKbps + ((audio?.SendBitrate ?? 0) / 1000);
        var sample = new VideoNetworkSample(goodput, Math.Clamp(audio?.RemoteLossFraction ?? 0, 0, 1), audio?.RoundTripTime ?? TimeSpan.Zero, skipped);
        var target = _bitrate!.Update(sample);
        VideoLog.LinkSample(_logger, sample.GoodputKbps, sample.LossFraction, sample.RoundTripTime.TotalMilliseconds, sample.SenderSkipFraction, window.Unacknowledged, _bitrate.EstimatedBandwidthKbps);
        sender.Apply(target);
    }

    private static async Task WriteVideoPacketsAsync(Stream stream, MediaFrameSealer sealer, IReadOnlyList<VideoPacket> packets, VideoSendWindow window, CancellationToken cancellationToken)
    {
        foreach (var packet in packets)
        {
            await WriteVideoPacketAsync(stream, sealer, packet, cancellationToken).ConfigureAwait(false);
            window.RecordWritten(packet.Length);
        }
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
        // One opener (one replay window) for every video stream of the leg: frames replayed on a new stream are dropped.
        var opener = _videoOpener;
        var reader = new MediaFrameReader(stream);
        using var receiver = new VideoReceiver(timeProvider: _time, logger: _logger);
        using var decoder = new CodecWorker("irohsocial-video-decode");
        var assembly = new ArrayBufferWriter<byte>();
        Volatile.Write(ref _peerVideoOn, 1);
        try
        {
            while (await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false) is { } sealedFrame)
            {
                if (opener.TryOpen(sealedFrame, out byte[] chunk) != MediaFrameOpenResult.Opened)
                {
                    assembly.Clear();
                    await RequestKeyframeAsync().ConfigureAwait(false);
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

                await SendControlAsync(ControlMessage.VideoReceived, (byte)header.Sequence).ConfigureAwait(false);
                var payload = assembly.WrittenMemory.Slice(VideoFrameHeader.Size, (int)header.PayloadLength);
                lock (_videoMeters)
                {
                    _receivedVideo.Record(VideoFrameHeader.Size + payload.Length, header.Width, header.Height);
                }

                if (!await _call.WriteReceivedVideoAsync(header, payload, cancellationToken).ConfigureAwait(false))
                {
                    break; // the call ended: a frame decoded now would be counted but never reach the file
                }

                var result = await decoder.RunAsync(() => receiver.Receive(header, payload.Span)).ConfigureAwait(false);
                assembly.Clear();
                if (result.RequestKeyframe)
                {
                    await RequestKeyframeAsync().ConfigureAwait(false);
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
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or TransportException or MediaException)
        {
            // the peer stopped its video, or the leg ended
        }
        finally
        {
            Volatile.Write(ref _peerVideoOn, 0);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    public Task RequestKeyframeAsync()
    {
        Interlocked.Increment(ref _keyframeRequestsSent);
        return SendControlAsync(ControlMessage.KeyframeRequest, 0);
    }

    private CallVideoStats? VideoStats()
    {
        if (_videoSendLoop.IsCompleted && Volatile.Read(ref _peerVideoOn) == 0)
        {
            return null;
        }

        lock (_videoMeters)
        {
            return new CallVideoStats(
                _sentVideo.FramesPerSecond, _sentVideo.Width, _sentVideo.Height, _sentVideo.BitrateKbps, _bitrate?.Current.BitrateKbps ?? 0,
                _receivedVideo.FramesPerSecond, _receivedVideo.Width, _receivedVideo.Height, _receivedVideo.BitrateKbps);
        }
    }

    private void OnControl(ControlMessage type, byte value)
    {
        switch (type)
        {
            case ControlMessage.KeyframeRequest:
                Interlocked.Increment(ref _keyframeRequestsReceived);
                _videoSender?.RequestKeyframe();
                break;
            case ControlMessage.VideoReceived:
                _sendWindow?.OnAcknowledged(value);
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
