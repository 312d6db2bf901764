using System.Text.Json.Serialization;
using IrohSocial.Messaging.Controls;

namespace IrohSocial.Messaging.Internal.Mailbox;

/// <summary>
/// The body of a <c>mailbox.delivered</c> control: the ids of controls that arrived through the receiver's mailbox.
/// Unlike <c>delivered</c> it is queued in the receiver's outbox (and acknowledged like a message), because the
/// sender was away when they were fetched; on arrival it turns the sender's <c>Deposited</c> messages <c>Delivered</c>.
/// </summary>
internal sealed record MailboxReceipt([property: JsonPropertyName("ids")] IReadOnlyList<string> Ids)
{
    /// <summary>Most ids in one receipt (far below the frame limit).</summary>
    public const int MaxIds = 500;

    public static ControlKind<MailboxReceipt> Kind { get; } = new("mailbox.delivered", MailboxJsonContext.Default.MailboxReceipt);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MailboxReceipt))]
internal sealed partial class MailboxJsonContext : JsonSerializerContext;
