using System.Collections.Concurrent;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

/// <summary>Handlers of registered control kinds and acknowledgement observers, shared by every <see cref="PeerChannel"/>.</summary>
internal sealed class ControlRegistry
{
    private readonly ConcurrentDictionary<string, Func<ControlContext, JsonElement, CancellationToken, ValueTask>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _remembered = new(StringComparer.Ordinal);
    private readonly List<AcknowledgementHandler> _ackHandlers = [];
    private readonly Lock _gate = new();

    public void Register<T>(ControlKind<T> kind, ControlHandler<T> handler)
        where T : class
    {
        var added = _handlers.TryAdd(kind.Name, async (context, body, cancellationToken) =>
        {
            T? value;
            try
            {
                value = body.Deserialize(kind.TypeInfo);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
            {
                throw new MessagingException(MessagingError.MalformedControl, $"The body of a '{kind.Name}' control is not valid.", ex);
            }

            if (value is null)
            {
                throw new MessagingException(MessagingError.MalformedControl, $"The body of a '{kind.Name}' control is null.");
            }

            await handler(context, value, cancellationToken).ConfigureAwait(false);
        });
        if (!added)
        {
            throw new InvalidOperationException($"A handler for control kind '{kind.Name}' is already registered.");
        }

        if (kind.RemembersIds)
        {
            _remembered.TryAdd(kind.Name, 0);
        }
    }

    /// <summary>Whether controls of this kind are applied once for good (<see cref="ControlKind{T}.RemembersIds"/>).</summary>
    public bool RemembersIds(string kind) => _remembered.ContainsKey(kind);

    public void OnAcknowledged(AcknowledgementHandler handler)
    {
        lock (_gate)
        {
            _ackHandlers.Add(handler);
        }
    }

    /// <summary>Runs the kind's handler; an unknown kind is logged and dropped (it is still acknowledged).</summary>
    public async ValueTask DispatchAsync(ControlContext context, ExtensionControl control, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(control.Kind, out var handler))
        {
            Log.IgnoredControl(logger, control.Kind, context.Peer, "no handler is registered for this kind");
            return;
        }

        await handler(context, control.Body, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask AcknowledgedAsync(EndpointId peer, string controlId, List<StoreOperation> operations, List<DmEvent> events, List<Action> afterCommit, CancellationToken cancellationToken)
    {
        AcknowledgementHandler[] handlers;
        lock (_gate)
        {
            handlers = [.. _ackHandlers];
        }

        foreach (var handler in handlers)
        {
            await handler(new ControlContext(peer, controlId, operations, events, afterCommit), controlId, cancellationToken).ConfigureAwait(false);
        }
    }

    public static ExtensionControl Wrap<T>(string id, ControlKind<T> kind, T body)
        where T : class =>
        new(id, kind.Name, JsonSerializer.SerializeToElement(body, kind.TypeInfo));
}
