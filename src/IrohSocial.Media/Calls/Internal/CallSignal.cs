using System.Text.Json.Serialization;
using IrohSocial.Messaging.Controls;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>What a call signal says (docs/protocol.md 7.1).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CallSignalKind>))]
internal enum CallSignalKind
{
    Offer = 0,
    Answer = 1,
    Reject = 2,
    End = 3,
    IceCandidate = 4, // reserved: addresses come from the ticket; ignored
}

/// <summary>
/// A call signal, carried encrypted by the DM session as the control kind <c>call.signal</c>. Offer and Answer
/// carry the codec, whether video is on and the side's media secret; Reject and End a reason.
/// </summary>
internal sealed record CallSignal(
    [property: JsonPropertyName("call_id")] string CallId,
    [property: JsonPropertyName("kind")] CallSignalKind Kind,
    [property: JsonPropertyName("audio_codec")] string? AudioCodec = null,
    [property: JsonPropertyName("video")] bool Video = false,
    [property: JsonPropertyName("media_key")] byte[]? MediaKey = null,
    [property: JsonPropertyName("reason")] string? Reason = null,
    [property: JsonPropertyName("candidate")] string? Candidate = null)
{
    /// <summary>
    /// The control kind. Remembered by id for good: a retried or replayed Offer must never ring again.
    /// </summary>
    public static readonly ControlKind<CallSignal> Control = new("call.signal", CallJsonContext.Default.CallSignal) { RemembersIds = true };
}

// Metadata mode, as in Messaging: this STJ version's fast-path serializer writes a null byte[]? as "" (the KAT catches it).
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CallSignal))]
internal sealed partial class CallJsonContext : JsonSerializerContext;
