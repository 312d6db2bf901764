using IrohSocial.Hosting;
using IrohSocial.Media.Calls;
using IrohSocial.Messaging;

namespace IrohSocial.Web.Server;

/// <summary>Turns the SDK's event streams (messages and calls) into page events; releases call devices when a call ends.</summary>
public sealed partial class NodeEvents(IrohSocialHost host, EventStream stream, ContactBook contacts, CallSession calls, ILogger<NodeEvents> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(PumpMessagesAsync(stoppingToken), PumpCallsAsync(stoppingToken));

    private async Task PumpMessagesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in host.Messages.Events(cancellationToken).ConfigureAwait(false))
            {
                var peer = e.Peer.ToString();
                switch (e)
                {
                    case MessageReceivedEvent m:
                        stream.Publish("received", new { peer, name = contacts.NameOf(e.Peer), message = MessageDto.From(m.Message) });
                        break;
                    case MessageDeliveredEvent d:
                        stream.Publish("delivered", new { peer, id = d.MessageId });
                        break;
                    case MessageReadEvent r:
                        stream.Publish("read", new { peer, ids = r.MessageIds });
                        break;
                    case TypingEvent:
                        stream.Publish("typing", new { peer });
                        break;
                    case MessageDeletedEvent x:
                        stream.Publish("deleted", new { peer, id = x.MessageId });
                        break;
                    case AttachmentReceivedEvent a:
                        stream.Publish("attachment", new { peer, messageId = a.MessageId, attachmentId = a.Attachment.Id });
                        break;
                    case SessionResetEvent:
                        stream.Publish("session-reset", new { peer });
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PumpCallsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in host.Node.Calls.Events(cancellationToken).ConfigureAwait(false))
            {
                var peer = e.Peer.ToString();
                switch (e)
                {
                    case IncomingCallEvent i:
                        stream.Publish("incoming", new { callId = i.CallId, peer, name = contacts.NameOf(e.Peer), video = i.Video });
                        break;
                    case CallAnsweredEvent a:
                        stream.Publish("answered", new { callId = a.CallId, peer });
                        break;
                    case CallEndedEvent x:
                        await calls.ReleaseAsync(x.CallId).ConfigureAwait(false);
                        Log.CallEnded(logger, x.CallId, x.Reason.ToString(), x.Detail ?? "");
                        stream.Publish("ended", new { callId = x.CallId, peer, reason = x.Reason.ToString().ToLowerInvariant(), detail = x.Detail, durationSeconds = x.Duration.TotalSeconds });
                        break;
                    case CallStatsEvent s:
                        stream.Publish("stats", StatsPayload(s));
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private object StatsPayload(CallStatsEvent s)
    {
        var call = host.Node.Calls.CurrentCall is { } current && current.Id == s.CallId ? current : null;
        var connections = host.Node.Calls.GetConnections(s.CallId);
        var devices = calls.DeviceFigures;
        var v = s.Video;
        return new
        {
            callId = s.CallId,
            quality = s.Stats.Quality.ToString().ToLowerInvariant(),
            rttMs = s.Stats.RoundTripTime?.TotalMilliseconds,
            lossPercent = s.Stats.LossFraction * 100,
            jitterMs = s.Stats.Jitter.TotalMilliseconds,
            sendKbps = s.Stats.SendBitrate / 1000,
            receiveKbps = s.Stats.ReceiveBitrate / 1000,
            jitterBufferMs = s.Stats.JitterBufferDelay.TotalMilliseconds,
            latencyP50Ms = s.Stats.LatencyP50?.TotalMilliseconds,
            concealedFrames = s.Stats.Counters.ConcealedFrames,
            elapsedSeconds = call?.Elapsed.TotalSeconds ?? s.Stats.Elapsed.TotalSeconds,
            peerVideo = call?.PeerVideoEnabled ?? false,
            video = v is null ? null : new
            {
                sendFps = v.SendFramesPerSecond,
                sendSize = $"{v.SendWidth}x{v.SendHeight}",
                sendKbps = v.SendBitrateKbps,
                receiveFps = v.ReceiveFramesPerSecond,
                receiveSize = $"{v.ReceiveWidth}x{v.ReceiveHeight}",
                receiveKbps = v.ReceiveBitrateKbps,
            },
            path = connections is null ? null : PathDto.From(connections.Call, connections.Video),
            server = devices is not { } d ? null : new { micQueueMs = d.MicQueueMs, micDropped = d.MicDropped, cameraDropped = d.CameraDropped, picturesShown = d.PicturesShown },
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Call {CallId} ended: {Reason} {Detail}")]
        public static partial void CallEnded(ILogger logger, string callId, string reason, string detail);
    }
}
