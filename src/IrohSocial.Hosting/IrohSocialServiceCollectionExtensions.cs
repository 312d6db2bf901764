using System.Diagnostics.Metrics;
using IrohSocial.Hosting.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IrohSocial.Hosting;

/// <summary>Registers the IrohSocial node with a .NET host.</summary>
public static class IrohSocialServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IrohSocialHost"/> as a singleton and a hosted service (started and stopped with the host),
    /// with <see cref="IrohSocialHostOptions"/> configured by <paramref name="configure"/> and validated on start.
    /// Calling it twice adds one node; both configure delegates apply.
    /// </summary>
    public static IServiceCollection AddIrohSocial(this IServiceCollection services, Action<IrohSocialHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<IrohSocialHostOptions>().Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IrohSocialHostOptions>, IrohSocialHostOptionsValidator>());
        services.TryAddSingleton(sp => new IrohSocialHost(
            sp.GetRequiredService<IOptions<IrohSocialHostOptions>>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<IMeterFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<IrohSocialHost>());
        return services;
    }
}
