using System.Diagnostics.Metrics;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial;

/// <summary>Settings of an <see cref="IrohSocialNode"/>.</summary>
public sealed record IrohSocialNodeOptions
{
    /// <summary>The node's identity.</summary>
    public required SecretKey SecretKey { get; init; }

    /// <summary>Messages, sessions (and call history when calls are added); null means an in-memory store owned by the node. A given store is not owned.</summary>
    public IMessagingStore? Store { get; init; }

    /// <summary>Local address to bind; any address, random port by default.</summary>
    public IPEndPoint BindAddress { get; init; } = new(IPAddress.Any, 0);

    /// <summary>Which transport implementation to use.</summary>
    public TransportProvider Provider { get; init; } = TransportProvider.Auto;

    /// <summary>Home relays in order of preference (see <see cref="EndpointOptions.RelayUrls"/>); empty for none.</summary>
    public IReadOnlyList<RelayAddress> RelayUrls { get; init; } = [];

    /// <summary>
    /// This node's mailbox (a node serving <c>iroh-social/mailbox/1</c>, e.g. the <c>mailbox</c> printed by
    /// <c>irohsocial relay --mailbox</c>): put in <see cref="IrohSocialNode.Addr"/> and the ticket, so peers deposit
    /// there while this node is offline, and fetched from at start and while running. Null: none.
    /// </summary>
    public EndpointAddr? Mailbox { get; init; }

    /// <summary>
    /// Whether contacts may learn this node's direct addresses from its encrypted address updates, so conversations and
    /// calls that started through a relay move to a direct path (see <c>DmClientOptions.ShareDirectAddresses</c>). Default true.
    /// </summary>
    public bool ShareDirectAddresses { get; init; } = true;

    /// <summary>
    /// Where to find peers on the LAN (a fresh hit is dialed first, so a contact with a stale address or none is still
    /// reached there). Null (the default): the node browses with mDNS (<see cref="MdnsLocalDiscovery"/>, owned by the
    /// node) unless <see cref="BrowseLocalNetwork"/> is false or the environment variable
    /// <see cref="IrohSocialNode.LocalDiscoveryEnvironmentVariable"/> is <c>off</c>. A given discovery is not owned.
    /// </summary>
    public ILocalDiscovery? LocalDiscovery { get; init; }

    /// <summary>
    /// Watches the network for changes (see <see cref="INetworkMonitor"/>); not owned. Null (default): the endpoint watches
    /// the operating system. On a change the node re-registers on its relays, redials its DM connections, tells its
    /// contacts a new address and restores an active call's connection.
    /// </summary>
    public INetworkMonitor? NetworkMonitor { get; init; }

    /// <summary>Whether the node browses the LAN with mDNS when no <see cref="LocalDiscovery"/> is given. Default true (it only listens and asks).</summary>
    public bool BrowseLocalNetwork { get; init; } = true;

    /// <summary>
    /// Announces this node on the LAN (its id and direct addresses, to anyone there): opt-in, as it reveals that this
    /// identity is present. Default false.
    /// </summary>
    public bool AnnounceOnLocalNetwork { get; init; }

    /// <summary>Features started beside direct messages, in order (calls: <c>options.WithCalls()</c> from IrohSocial.Media).</summary>
    public IReadOnlyList<INodeExtension> Extensions { get; init; } = [];

    /// <summary>Where received attachments are kept, sealed and owner-only (see <c>DmClientOptions.AttachmentDirectory</c>); null = the user's local application data folder.</summary>
    public string? AttachmentDirectory { get; init; }

    /// <summary>Logging; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Clock for timers, ring timeouts and statistics.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where the node's meters come from (<c>IrohSocial.Transport</c>, <c>IrohSocial.Messaging</c> and its extensions',
    /// e.g. <c>IrohSocial.Media</c>): the host's factory, so metrics reach its exporters; null: each part creates and
    /// disposes its own meter (a <see cref="System.Diagnostics.Metrics.MeterListener"/> or OpenTelemetry still sees
    /// them by name). See docs/observability.md.
    /// </summary>
    public IMeterFactory? MeterFactory { get; init; }
}
