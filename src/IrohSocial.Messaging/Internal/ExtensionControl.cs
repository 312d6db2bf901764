using System.Text.Json;
using System.Text.Json.Serialization;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// A control of a kind registered with <see cref="DmClient.RegisterControl{T}"/>: its <c>kind</c> names the
/// handler and <c>body</c> is that kind's own JSON. Receivers that know no handler for the kind acknowledge it
/// and drop it, so new kinds never break older peers.
/// </summary>
internal sealed record ExtensionControl(
    string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("body")] JsonElement Body) : Control(Id)
{
    public const int MaxKindLength = 64;

    private protected override bool IsWellFormed() =>
        Kind is { Length: > 0 and <= MaxKindLength } && Body.ValueKind is not JsonValueKind.Undefined;
}
