using System.Diagnostics.Metrics;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Messaging;

/// <summary>Settings of a <see cref="DmClient"/>. Validated once by <see cref="DmClient.StartAsync"/>.</summary>
public sealed record DmClientOptions
{
    /// <summary>The local identity (must be the endpoint's identity when <see cref="Endpoint"/> is given). Not owned.</summary>
    public required SecretKey SecretKey { get; init; }

    /// <summary>Where messages, the outbox and sessions live. Not owned: dispose it after the client.</summary>
    public required IMessagingStore Store { get; init; }

    /// <summary>
    /// A shared endpoint (not owned). The app then registers the client's handler on its own router with
    /// <see cref="DmClient.Register"/> before starting it. When null the client binds its own endpoint on
    /// <see cref="BindAddress"/>, runs its own router and disposes both.
    /// </summary>
    public Endpoint? Endpoint { get; init; }

    /// <summary>Address to bind when the client owns its endpoint. Default: all interfaces, any port.</summary>
    public IPEndPoint BindAddress { get; init; } = new(IPAddress.Any, 0);

    /// <summary>Network stacks when the client owns its endpoint (see <see cref="TransportProvider"/>). Default: Auto.</summary>
    public TransportProvider Provider { get; init; } = TransportProvider.Auto;

    /// <summary>
    /// LAN discovery when the client owns its endpoint (see <see cref="EndpointOptions.LocalDiscovery"/>; e.g. an
    /// <see cref="MdnsLocalDiscovery"/>); not owned. Null: none (<c>IrohSocialNode</c> browses with mDNS by default).
    /// With a shared endpoint, the endpoint's own discovery is used.
    /// </summary>
    public ILocalDiscovery? LocalDiscovery { get; init; }

    /// <summary>Announces the client's own endpoint through <see cref="LocalDiscovery"/> (reveals its presence on the LAN). Default false.</summary>
    public bool AnnounceOnLocalNetwork { get; init; }

    /// <summary>Clock for timestamps, backoff and timeouts.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logging; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Where the client's <c>IrohSocial.Messaging</c> meter comes from (the host's, e.g. from dependency injection), and
    /// its own endpoint's when it binds one; null: the client creates its own meter and disposes it. See docs/observability.md.
    /// </summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Outbox backoff.</summary>
    public OutboxRetryPolicy RetryPolicy { get; init; } = OutboxRetryPolicy.Default;

    /// <summary>Largest frame accepted (checked before reading it). Default 256 KiB.</summary>
    public int MaxFrameSize { get; init; } = 256 * 1024;

    /// <summary>Longest message text, in UTF-16 chars. Default 64 Ki.</summary>
    public int MaxMessageLength { get; init; } = 64 * 1024;

    /// <summary>Largest attachment in bytes. Default 100 MiB.</summary>
    public long MaxAttachmentSize { get; init; } = 100L * 1024 * 1024;

    /// <summary>
    /// Folder where received attachments are kept, sealed, one subfolder per peer. Created owner-only (0700) when
    /// missing; an existing one must belong to the current user and not be a link, and is tightened to 0700.
    /// Default: <c>IrohSocial/&lt;tag&gt;/attachments</c> under the user's local application data folder, the tag a blind
    /// index of the local id (so the path does not name the owner; a folder older versions named by the id is renamed).
    /// </summary>
    public string? AttachmentDirectory { get; init; }

    /// <summary>Receives progress of incoming attachments.</summary>
    public IProgress<AttachmentProgress>? IncomingAttachmentProgress { get; init; }

    /// <summary>Envelopes in flight per peer before waiting for acknowledgements. Default 64.</summary>
    public int SendWindow { get; init; } = 64;

    /// <summary>
    /// This client's own mailbox (a node serving <c>iroh-social/mailbox/1</c>): it goes into <see cref="DmClient.LocalAddress"/>
    /// and its ticket (and into the endpoint's address when the client binds its own), and the client fetches from it at
    /// start and whenever it reports a deposit. Null: none (a shared endpoint's <see cref="EndpointOptions.Mailbox"/> is used then).
    /// </summary>
    public EndpointAddr? Mailbox { get; init; }

    /// <summary>How long a peer's mailbox should keep what this client deposits there. Default 14 days.</summary>
    public TimeSpan MailboxTimeToLive { get; init; } = TimeSpan.FromDays(14);

    /// <summary>How often the own mailbox is listed besides its push notifications (a safety net). Default 1 minute.</summary>
    public TimeSpan MailboxPollInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long to wait for an acknowledgement before treating the link as broken. Default 15 s.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Whether contacts may learn this client's direct socket addresses (IP and port) from its encrypted
    /// <c>peer.address</c> updates. Default true: a conversation that started through a relay moves to a direct path
    /// when one works. False keeps your IP addresses from contacts who only know your relay; conversations and calls
    /// then stay relayed unless they already had a direct address (updates still carry your relay).
    /// </summary>
    public bool ShareDirectAddresses { get; init; } = true;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(SecretKey);
        ArgumentNullException.ThrowIfNull(Store);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(BindAddress);
        ArgumentNullException.ThrowIfNull(RetryPolicy);
        RetryPolicy.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameSize, 1024, nameof(MaxFrameSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageLength, 1, nameof(MaxMessageLength));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxAttachmentSize, nameof(MaxAttachmentSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(SendWindow, 1, nameof(SendWindow));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AckTimeout, TimeSpan.Zero, nameof(AckTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MailboxTimeToLive, TimeSpan.FromSeconds(1), nameof(MailboxTimeToLive));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MailboxPollInterval, TimeSpan.Zero, nameof(MailboxPollInterval));
        if (Endpoint is not null && Endpoint.Id != SecretKey.PublicKey)
        {
            throw new ArgumentException("The endpoint's identity differs from SecretKey.", nameof(Endpoint));
        }
    }
}
