using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    /// <summary>
    /// Registers the handler of a control kind carried encrypted by the DM session (one handler per kind; register
    /// before peers may send it). Unknown kinds are acknowledged and dropped, so a new kind never breaks an older peer.
    /// </summary>
    /// <exception cref="InvalidOperationException">The kind already has a handler.</exception>
    public void RegisterControl<T>(ControlKind<T> kind, ControlHandler<T> handler)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfDisposed();
        _runtime.Controls.Register(kind, handler);
    }

    /// <summary>Observes every acknowledgement of a control this client sent (e.g. to track delivery of custom controls).</summary>
    internal void OnControlAcknowledged(AcknowledgementHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfDisposed();
        _runtime.Controls.OnAcknowledged(handler);
    }

    /// <summary>
    /// Sends a control of a registered kind to <paramref name="peer"/> through the encrypted session and returns its id.
    /// <see cref="ControlDelivery.Queued"/> returns once it is durably queued; <see cref="ControlDelivery.Immediate"/>
    /// returns once the peer acknowledged it.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.TooLarge"/>; for immediate delivery
    /// <see cref="MessagingError.PeerUnreachable"/> or <see cref="MessagingError.Timeout"/>.</exception>
    public async Task<string> SendControlAsync<T>(EndpointId peer, ControlKind<T> kind, T body, ControlDelivery delivery = ControlDelivery.Queued, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(body);
        ThrowIfDisposed();
        if (peer == LocalId)
        {
            throw new ArgumentException("Cannot send to yourself.", nameof(peer));
        }

        var control = ControlRegistry.Wrap(_runtime.NewId(), kind, body);
        if (delivery == ControlDelivery.Immediate)
        {
            await Channel(peer).SendAndWaitAsync([control], cancellationToken).ConfigureAwait(false);
            return control.Id;
        }

        var now = _options.TimeProvider.GetUtcNow();
        await _options.Store.ApplyAsync([QueueControl(peer, control, now)], cancellationToken).ConfigureAwait(false);
        Channel(peer).Wake();
        return control.Id;
    }

    /// <summary>An outbox entry for a control, refused when it would not fit in one frame at the peer.</summary>
    internal EnqueueOutbox QueueControl(EndpointId peer, Control control, DateTimeOffset now)
    {
        var payload = control.ToJson();
        if ((payload.Length + 64) * 4 / 3 + 512 > _options.MaxFrameSize)
        {
            throw new MessagingException(MessagingError.TooLarge, "The control does not fit in one frame.");
        }

        return new EnqueueOutbox(new OutboxEntry(control.Id, peer, payload, now, 0, now));
    }

    /// <summary>Wakes the outbox worker of each peer (after a batch queued something for them).</summary>
    internal void WakeOutbox(IEnumerable<EndpointId> peers)
    {
        foreach (var peer in peers)
        {
            Channel(peer).Wake();
        }
    }
}
