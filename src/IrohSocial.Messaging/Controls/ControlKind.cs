using System.Text.Json.Serialization.Metadata;

namespace IrohSocial.Messaging.Controls;

/// <summary>
/// A kind of encrypted control that rides the DM session next to messages: a name unique on the wire and the
/// (source-generated) JSON contract of its body. Register a handler with <see cref="DmClient.RegisterControl{T}"/>
/// and send with <see cref="DmClient.SendControlAsync{T}"/>.
/// </summary>
/// <typeparam name="T">The body type.</typeparam>
public sealed class ControlKind<T>
    where T : class
{
    /// <summary>Creates a kind.</summary>
    /// <param name="name">Wire name, 1-64 ASCII chars, e.g. <c>"group.sync"</c>; names without a dot are reserved for the SDK's built-in controls.</param>
    /// <param name="typeInfo">The JSON contract of the body (from a <c>JsonSerializerContext</c>, so it works trimmed and AOT).</param>
    public ControlKind(string name, JsonTypeInfo<T> typeInfo)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (name.Length > 64 || !name.Contains('.', StringComparison.Ordinal) || name.Any(c => c is < '!' or > '~'))
        {
            throw new ArgumentException("A control kind is 1-64 printable ASCII chars with at least one dot.", nameof(name));
        }

        Name = name;
        TypeInfo = typeInfo;
    }

    /// <summary>The wire name.</summary>
    public string Name { get; }

    /// <summary>
    /// Whether each control of this kind is applied once for good: the receiver remembers its id durably
    /// (<see cref="Storage.RememberControl"/>), so a retried or replayed control is dropped even after a restart
    /// (a call offer must never ring twice). Off by default: the session's short-term duplicate check suffices for
    /// idempotent kinds.
    /// </summary>
    public bool RemembersIds { get; init; }

    /// <summary>The body's JSON contract.</summary>
    public JsonTypeInfo<T> TypeInfo { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>How <see cref="DmClient.SendControlAsync{T}"/> delivers a control.</summary>
public enum ControlDelivery
{
    /// <summary>
    /// Durable: queued in the outbox in the same order as messages to that peer, retried until acknowledged.
    /// The call returns once it is queued.
    /// </summary>
    Queued = 0,

    /// <summary>Now or never: sent at once and awaited; fails with <see cref="MessagingError.PeerUnreachable"/> when the peer is away.</summary>
    Immediate = 1,
}

/// <summary>Handles a received control of one kind.</summary>
/// <typeparam name="T">The body type.</typeparam>
/// <param name="context">Who sent it, and where to put its effects.</param>
/// <param name="body">The decoded body.</param>
/// <param name="cancellationToken">Cancelled when the client stops.</param>
public delegate ValueTask ControlHandler<in T>(ControlContext context, T body, CancellationToken cancellationToken)
    where T : class;

/// <summary>Called when the peer acknowledged a control (any kind) this client sent.</summary>
/// <param name="context">Which peer acknowledged, and where to put effects.</param>
/// <param name="controlId">The acknowledged control's id.</param>
/// <param name="cancellationToken">Cancelled when the client stops.</param>
internal delegate ValueTask AcknowledgementHandler(ControlContext context, string controlId, CancellationToken cancellationToken);
