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

    /// <summary>Features started beside direct messages, in order (calls: <c>options.WithCalls()</c> from IrohSocial.Media).</summary>
    public IReadOnlyList<INodeExtension> Extensions { get; init; } = [];

    /// <summary>Where received attachments are kept, sealed and owner-only (see <c>DmClientOptions.AttachmentDirectory</c>); null = the user's local application data folder.</summary>
    public string? AttachmentDirectory { get; init; }

    /// <summary>Logging; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Clock for timers, ring timeouts and statistics.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
