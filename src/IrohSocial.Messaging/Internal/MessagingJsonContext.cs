using System.Text.Json.Serialization;

namespace IrohSocial.Messaging.Internal;

/// <summary>Source-generated JSON for the wire types (AOT-safe, no reflection).</summary>
/// <remarks>Metadata mode: the fast-path serializer of this STJ version writes a null <c>byte[]?</c> as <c>""</c>, which the envelope KAT catches.</remarks>
[JsonSerializable(typeof(EncryptedEnvelope))]
[JsonSerializable(typeof(Control))]
[JsonSerializable(typeof(ResponseError))]
[JsonSerializable(typeof(AttachmentHeader))]
[JsonSourceGenerationOptions(
    AllowOutOfOrderMetadataProperties = true,
    GenerationMode = JsonSourceGenerationMode.Metadata,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UseStringEnumConverter = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class MessagingJsonContext : JsonSerializerContext;
