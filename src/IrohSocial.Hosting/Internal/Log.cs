using IrohSocial.Crypto;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Hosting.Internal;

/// <summary>Log messages of IrohSocial.Hosting (EventIds 9000-9099). Never logs key material.</summary>
internal static partial class Log
{
    [LoggerMessage(9000, LogLevel.Information, "IrohSocial node {Id} started on {Endpoint} ({Store} store)")]
    public static partial void Started(ILogger logger, EndpointId id, string endpoint, string store);

    [LoggerMessage(9001, LogLevel.Information, "IrohSocial node {Id} stopped")]
    public static partial void Stopped(ILogger logger, EndpointId id);

    [LoggerMessage(9002, LogLevel.Information, "Created a new identity {Id} at {Path}")]
    public static partial void IdentityCreated(ILogger logger, EndpointId id, string path);
}
