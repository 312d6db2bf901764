using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal.Mailbox;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Messaging.Internal;

/// <summary>What every <see cref="PeerChannel"/> shares: identity, store, clock, limits and the ways out.</summary>
internal sealed class DmRuntime(
    SecretKey localKey,
    IMessagingStore store,
    DmClientOptions options,
    ILogger logger,
    Func<EndpointId, CancellationToken, Task<Stream>> openEnvelopeStream,
    Action<DmEvent> raise,
    AttachmentVault vault)
{
    public SecretKey LocalKey { get; } = localKey;

    public EndpointId LocalId { get; } = localKey.PublicKey;

    public IMessagingStore Store { get; } = store;

    /// <summary>Where received attachments are kept, sealed.</summary>
    public AttachmentVault Vault { get; } = vault;

    public DmClientOptions Options { get; } = options;

    public TimeProvider Time => Options.TimeProvider;

    public ILogger Logger { get; } = logger;

    /// <summary>Handlers of registered control kinds (groups, later calls).</summary>
    public ControlRegistry Controls { get; } = new();

    /// <summary>The peer's last known address (its mailbox among it); null when none is known.</summary>
    public required Func<EndpointId, CancellationToken, Task<EndpointAddr?>> ResolveAddress { get; init; }

    /// <summary>How peers reach us now (put in deposits as a hint for the receipt's way back).</summary>
    public required Func<EndpointAddr> LocalAddress { get; init; }

    /// <summary>The client's meter and instruments.</summary>
    public required MessagingTelemetry Telemetry { get; init; }

    /// <summary>Clients of the peers' mailboxes, for deposits.</summary>
    public required MailboxClientPool Mailboxes { get; init; }

    public Task<Stream> OpenEnvelopeStreamAsync(EndpointId peer, CancellationToken cancellationToken) => openEnvelopeStream(peer, cancellationToken);

    public void Raise(DmEvent dmEvent) => raise(dmEvent);

    public string NewId() => Guid.NewGuid().ToString("N");
}
