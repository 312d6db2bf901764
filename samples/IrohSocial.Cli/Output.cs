using IrohSocial.Transport;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using IrohSocial.Crypto;
using IrohSocial.Media.Calls;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Cli;

/// <summary>Prints either human-readable lines or one JSON object per line (<c>--json</c>).</summary>
public sealed class Output(TextWriter writer, bool json, Func<EndpointId, string>? names = null)
{
    private readonly Lock _gate = new();
    private ILineKeeper? _keeper;

    /// <summary>Whether lines are JSON.</summary>
    public bool Json => json;

    /// <summary>
    /// While set, every printed line first clears the line being typed and then redraws it below (interactive chat).
    /// </summary>
    internal ILineKeeper? Keeper
    {
        set
        {
            lock (_gate)
            {
                _keeper = value;
            }
        }
    }

    /// <summary>The lock interactive line editing shares with printing, so echo and output never interleave.</summary>
    internal Lock Gate => _gate;

    /// <summary>How a peer is shown: its contact name and short id, or the short id.</summary>
    public string Name(EndpointId peer) => names?.Invoke(peer) ?? peer.ToShortString();

    /// <summary>Which path the connection with a peer takes now (set by commands that run a node), for showing it.</summary>
    public Func<EndpointId, ConnectionPath?>? PathOf { get; init; }

    /// <summary>A path as users read it: <c>direct quic</c>, <c>direct tcp</c> or <c>relay</c>.</summary>
    public static string PathName(ConnectionPath path) => path switch
    {
        ConnectionPath.Relay => "relay",
        ConnectionPath.Quic => "direct quic",
        _ => "direct tcp",
    };

    private static string? PathJson(ConnectionPath? path) => path switch
    {
        null => null,
        ConnectionPath.Relay => "relay",
        ConnectionPath.Quic => "quic",
        _ => "tcp",
    };

    /// <summary>Writes <paramref name="text"/> in text mode or <paramref name="obj"/> in JSON mode, as one line.</summary>
    public void Write(string text, JsonObject obj)
    {
        var line = json ? obj.ToJsonString(JsonOptions) : text;
        lock (_gate)
        {
            _keeper?.Clear(writer);
            writer.WriteLine(line);
            _keeper?.Redraw(writer);
            writer.Flush();
        }
    }

    /// <summary>The short form of a message id the tool prints (any unique prefix is accepted back).</summary>
    public static string ShortId(string messageId) => messageId.Length > 8 ? messageId[..8] : messageId;

    /// <summary>One JSON line in JSON mode; nothing otherwise.</summary>
    public void JsonOnly(JsonObject obj)
    {
        if (json)
        {
            Write("", obj);
        }
    }

    /// <summary>The JSON form of a message.</summary>
    public static JsonObject Message(StoredMessage m) => new()
    {
        ["id"] = m.Id,
        ["peer"] = m.Peer.ToString(),
        ["direction"] = m.Direction == MessageDirection.Incoming ? "in" : "out",
        ["text"] = m.Content,
        ["timestamp"] = m.Timestamp.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["reply_to"] = m.ReplyTo,
        ["status"] = m.Status.ToString().ToLowerInvariant(),
        ["attachments"] = new JsonArray([.. m.Attachments.Select(a => (JsonNode)new JsonObject { ["id"] = $"{m.Id}/{a.Id}", ["name"] = a.Name, ["mime_type"] = a.MimeType, ["size"] = a.Size })]),
    };

    /// <summary>One line describing a DM event, or null for events the tool does not show.</summary>
    public void Event(DmEvent e)
    {
        var peer = Name(e.Peer);
        switch (e)
        {
            case Messaging.Groups.GroupEvent g:
                Commands.GroupOutput.Write(this, g);
                break;
            case MessageReceivedEvent r:
                var reply = r.Message.ReplyTo is null ? "" : $" (reply to {ShortId(r.Message.ReplyTo)})";
                var files = r.Message.Attachments.Count == 0 ? "" : $" [+{r.Message.Attachments.Count} attachment(s)]";
                var path = PathOf?.Invoke(e.Peer);
                // The text line names the path only when relayed (the unusual case); JSON always carries it.
                var via = path is ConnectionPath.Relay ? " (via relay)" : "";
                var received = With("message", Message(r.Message));
                if (path is not null)
                {
                    received["path"] = PathJson(path);
                }

                Write($"{r.Message.Timestamp.ToLocalTime():HH:mm:ss} {peer} [{ShortId(r.Message.Id)}]: {r.Message.Content}{reply}{files}{via}", received);
                break;
            case MessageDeliveredEvent d:
                Write($"  delivered {ShortId(d.MessageId)} to {peer}", new JsonObject { ["type"] = "delivered", ["peer"] = e.Peer.ToString(), ["id"] = d.MessageId });
                break;
            case MessageDepositedEvent dep:
                Write($"  deposited {ShortId(dep.MessageId)} in the mailbox of {peer}", new JsonObject { ["type"] = "deposited", ["peer"] = e.Peer.ToString(), ["id"] = dep.MessageId });
                break;
            case MessageReadEvent rd:
                Write($"  read {string.Join(' ', rd.MessageIds.Select(ShortId))} by {peer}", new JsonObject { ["type"] = "read", ["peer"] = e.Peer.ToString(), ["ids"] = new JsonArray([.. rd.MessageIds.Select(i => (JsonNode)i)]) });
                break;
            case TypingEvent:
                Write($"  {peer} is typing…", new JsonObject { ["type"] = "typing", ["peer"] = e.Peer.ToString() });
                break;
            case MessageDeletedEvent del:
                Write($"  {peer} deleted {ShortId(del.MessageId)}", new JsonObject { ["type"] = "deleted", ["peer"] = e.Peer.ToString(), ["id"] = del.MessageId });
                break;
            case SessionResetEvent:
                Write($"  warning: {peer} started a new session (their device or data may have changed)", new JsonObject { ["type"] = "session_reset", ["peer"] = e.Peer.ToString() });
                break;
            case AttachmentReceivedEvent a:
                Write($"  attachment {ShortId(a.MessageId)}/{a.Attachment.Id} {a.Attachment.Name} ({a.Attachment.Size} bytes) from {peer} received; `irohsocial attachment save {ShortId(a.MessageId)}/{a.Attachment.Id} PATH` saves it",
                    new JsonObject
                    {
                        ["type"] = "attachment", ["peer"] = e.Peer.ToString(), ["message_id"] = a.MessageId, ["id"] = $"{a.MessageId}/{a.Attachment.Id}",
                        ["name"] = a.Attachment.Name, ["size"] = a.Attachment.Size,
                    });
                break;
        }
    }

    /// <summary>One line describing a call event.</summary>
    public void CallEvent(CallEvent e)
    {
        var peer = Name(e.Peer);
        switch (e)
        {
            case IncomingCallEvent i:
                Write($"  incoming {(i.Video ? "video" : "audio")} call {i.CallId} from {peer}",
                    new JsonObject { ["type"] = "incoming_call", ["call_id"] = i.CallId, ["peer"] = e.Peer.ToString(), ["video"] = i.Video });
                break;
            case CallAnsweredEvent:
                Write($"  call {e.CallId} with {peer} answered", new JsonObject { ["type"] = "call_answered", ["call_id"] = e.CallId, ["peer"] = e.Peer.ToString() });
                break;
            case CallEndedEvent end:
                Write($"  call {e.CallId} with {peer} ended: {end.Reason.ToString().ToLowerInvariant()}{(end.Detail is null ? "" : $" ({end.Detail})")} after {end.Duration.TotalSeconds:0.0}s",
                    new JsonObject
                    {
                        ["type"] = "call_ended", ["call_id"] = e.CallId, ["peer"] = e.Peer.ToString(),
                        ["reason"] = end.Reason.ToString().ToLowerInvariant(), ["detail"] = end.Detail, ["duration_s"] = end.Duration.TotalSeconds,
                    });
                break;
            case CallStatsEvent stats:
                Write($"  {Stats(stats)}", StatsJson(stats));
                break;
            case CallQualityChangedEvent q:
                Write($"  call quality {q.Previous.ToString().ToLowerInvariant()} -> {q.Quality.ToString().ToLowerInvariant()}",
                    new JsonObject { ["type"] = "call_quality", ["call_id"] = e.CallId, ["peer"] = e.Peer.ToString(), ["quality"] = q.Quality.ToString().ToLowerInvariant(), ["previous"] = q.Previous.ToString().ToLowerInvariant() });
                break;
            case CallReconnectedEvent r:
                Write($"  call reconnected over {PathName(r.Path)}: audio gap {r.AudioGap.TotalMilliseconds:0}ms",
                    new JsonObject
                    {
                        ["type"] = "call_reconnected", ["call_id"] = e.CallId, ["peer"] = e.Peer.ToString(),
                        ["audio_gap_ms"] = r.AudioGap.TotalMilliseconds, ["path"] = PathJson(r.Path),
                    });
                break;
        }
    }

    /// <summary>A compact line of live call statistics.</summary>
    public static string Stats(CallStatsEvent e)
    {
        var s = e.Stats;
        var line = $"{s.Elapsed.TotalSeconds,5:0.0}s  {s.Quality.ToString().ToLowerInvariant()}  rtt {(s.RoundTripTime is { } rtt ? $"{rtt.TotalMilliseconds:0}ms" : "-")}"
            + $"  loss {s.LossFraction:P0}  jitter {s.Jitter.TotalMilliseconds:0}ms  audio {s.SendBitrate / 1000:0}/{s.ReceiveBitrate / 1000:0} kbps"
            + (s.Path is { } path ? $"  path {PathName(path)}" : "")
            + (s.Reconnections > 0 ? $"  reconnected {s.Reconnections}x (last gap {(s.LastReconnectionGap is { } gap ? $"{gap.TotalMilliseconds:0}ms" : "-")})" : "");
        if (e.Video is { } v)
        {
            line += $"  video {v.SendWidth}x{v.SendHeight}@{v.SendFramesPerSecond:0} {v.SendBitrateKbps:0}kbps, in {v.ReceiveWidth}x{v.ReceiveHeight}@{v.ReceiveFramesPerSecond:0}";
        }

        return line;
    }

    private static JsonObject StatsJson(CallStatsEvent e)
    {
        var s = e.Stats;
        var obj = new JsonObject
        {
            ["type"] = "call_stats",
            ["call_id"] = e.CallId,
            ["peer"] = e.Peer.ToString(),
            ["elapsed_s"] = s.Elapsed.TotalSeconds,
            ["quality"] = s.Quality.ToString().ToLowerInvariant(),
            ["rtt_ms"] = s.RoundTripTime?.TotalMilliseconds,
            ["loss"] = s.LossFraction,
            ["jitter_ms"] = s.Jitter.TotalMilliseconds,
            ["send_kbps"] = s.SendBitrate / 1000,
            ["receive_kbps"] = s.ReceiveBitrate / 1000,
            ["concealed_frames"] = s.Counters.ConcealedFrames,
            ["concealment"] = s.ConcealmentFraction,
            ["path"] = PathJson(s.Path),
            ["reconnections"] = s.Reconnections,
            ["last_reconnection_gap_ms"] = s.LastReconnectionGap?.TotalMilliseconds,
        };
        if (e.Video is { } v)
        {
            obj["video"] = new JsonObject
            {
                ["send_width"] = v.SendWidth, ["send_height"] = v.SendHeight, ["send_fps"] = v.SendFramesPerSecond, ["send_kbps"] = v.SendBitrateKbps,
                ["receive_width"] = v.ReceiveWidth, ["receive_height"] = v.ReceiveHeight, ["receive_fps"] = v.ReceiveFramesPerSecond,
            };
        }

        return obj;
    }

    private static JsonObject With(string type, JsonObject body)
    {
        var result = new JsonObject { ["type"] = type };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            result[key] = value;
        }

        return result;
    }

    // Relaxed escaping: JSON lines are read by programs, and "+00:00" or "<" should stay readable, not "\u002B".
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Serializes a JSON object the way every JSON line is written.</summary>
    public static string ToJson(JsonObject obj) => obj.ToJsonString(JsonOptions);
}

/// <summary>Something that owns the line being typed and redraws it around printed lines.</summary>
internal interface ILineKeeper
{
    /// <summary>Erases the line being typed (cursor to column 0).</summary>
    void Clear(TextWriter writer);

    /// <summary>Draws the prompt and the line being typed again.</summary>
    void Redraw(TextWriter writer);
}
