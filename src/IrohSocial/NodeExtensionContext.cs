using System.Diagnostics.Metrics;
using IrohSocial.Messaging;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial;

/// <summary>What a <see cref="INodeExtension"/> builds on: the node's endpoint, messaging client and router.</summary>
public sealed class NodeExtensionContext
{
    internal NodeExtensionContext(Endpoint endpoint, DmClient messages, Router router, ILoggerFactory? loggerFactory, TimeProvider timeProvider)
    {
        Endpoint = endpoint;
        Messages = messages;
        Router = router;
        LoggerFactory = loggerFactory;
        TimeProvider = timeProvider;
    }

    /// <summary>The node's endpoint (dials and the node's identity).</summary>
    public Endpoint Endpoint { get; }

    /// <summary>The node's direct-message client (encrypted controls ride its sessions).</summary>
    public DmClient Messages { get; }

    /// <summary>The node's router; register the extension's protocol handlers here.</summary>
    public Router Router { get; }

    /// <summary>The node's logging; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; }

    /// <summary>The node's clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The host's meter factory (<see cref="IrohSocialNodeOptions.MeterFactory"/>); null: an extension owns its meter.</summary>
    public IMeterFactory? MeterFactory { get; internal init; }
}
