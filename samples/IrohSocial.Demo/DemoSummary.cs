using System.Text.Json;
using System.Text.Json.Serialization;

namespace IrohSocial.Demo;

/// <summary>What the demo measured; written to summary.json with snake_case names.</summary>
public sealed record DemoSummary
{
    /// <summary>The JSON settings of summary.json.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>Messages sent by Alice and Bob together.</summary>
    public int MessagesSent { get; init; }

    /// <summary>Messages the sender saw acknowledged.</summary>
    public int MessagesDelivered { get; init; }

    /// <summary>Messages that arrived at the other side.</summary>
    public int MessagesReceived { get; init; }

    /// <summary>Messages sent while Bob was offline and delivered after he came back.</summary>
    public int OfflineDelivered { get; init; }

    /// <summary>Read receipts that reached the sender.</summary>
    public int ReadReceipts { get; init; }

    /// <summary>Typing notifications that arrived.</summary>
    public int TypingSeen { get; init; }

    /// <summary>Deletions that reached the other side.</summary>
    public int DeletesApplied { get; init; }

    /// <summary>Bytes of the attachment Bob received and verified.</summary>
    public long AttachmentBytes { get; init; }

    /// <summary>The call's numbers.</summary>
    public required CallSummary Call { get; init; }
}

/// <summary>The call part of summary.json.</summary>
public sealed record CallSummary
{
    /// <summary>How long the call ran.</summary>
    [JsonPropertyName("duration_s")]
    public double DurationSeconds { get; init; }

    /// <summary>Whether video was sent.</summary>
    public bool Video { get; init; }

    /// <summary>Opus frames Alice sent.</summary>
    public long AudioFramesSent { get; init; }

    /// <summary>Frames Bob played out (decoded or concealed).</summary>
    public long AudioFramesPlayed { get; init; }

    /// <summary>Frames Bob concealed (PLC) because their packet was late or lost.</summary>
    public long ConcealedFrames { get; init; }

    /// <summary>VP9 frames Alice sent.</summary>
    public long VideoFramesSent { get; init; }

    /// <summary>VP9 frames Bob decoded.</summary>
    public long VideoFramesDecoded { get; init; }

    /// <summary>Median one-way media latency.</summary>
    [JsonPropertyName("latency_ms_p50")]
    public double LatencyMsP50 { get; init; }

    /// <summary>95th percentile one-way media latency.</summary>
    [JsonPropertyName("latency_ms_p95")]
    public double LatencyMsP95 { get; init; }
}
