using System.Diagnostics.Metrics;
using IrohSocial.Relay.Internal;
using IrohSocial.Transport.Internal.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Relay;

/// <summary>Hosts an IrohSocial relay inside an ASP.NET Core app.</summary>
public static class RelayEndpointExtensions
{
    /// <summary>The path <see cref="MapIrohSocialRelay"/> serves by default.</summary>
    public const string DefaultPath = RelayProtocol.DefaultPath;

    /// <summary>Registers the relay's state (registrations, sessions, limits, metrics) with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static IServiceCollection AddIrohSocialRelay(this IServiceCollection services, RelayServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton(sp => new RelayHub(options, sp.GetService<ILoggerFactory>()?.CreateLogger("IrohSocial.Relay") ?? NullLogger.Instance, sp.GetService<IMeterFactory>()));
        return services;
    }

    /// <summary>
    /// Serves the relay's WebSocket endpoint at <paramref name="pattern"/> (its own WebSocket middleware with the
    /// relay's ping settings, so the app needs no <c>UseWebSockets</c>). On application stopping the relay tells
    /// its clients to come back later. Call <see cref="AddIrohSocialRelay"/> first.
    /// </summary>
    public static IEndpointConventionBuilder MapIrohSocialRelay(this IEndpointRouteBuilder endpoints, string pattern = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var hub = endpoints.ServiceProvider.GetService<RelayHub>()
            ?? throw new InvalidOperationException("Call services.AddIrohSocialRelay(options) before MapIrohSocialRelay.");
        var lifetime = endpoints.ServiceProvider.GetService<IHostApplicationLifetime>();
        lifetime?.ApplicationStopping.Register(() => hub.ShutdownAsync().GetAwaiter().GetResult());
        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.UseWebSockets();
        pipeline.Run(hub.HandleAsync);
        return endpoints.Map(pattern, pipeline.Build()).WithDisplayName("IrohSocial relay");
    }
}
