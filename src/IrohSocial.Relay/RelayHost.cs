using System.Net;
using System.Security.Cryptography.X509Certificates;
using IrohSocial.Crypto;
using IrohSocial.Relay.Internal;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Relay;

/// <summary>How <see cref="RelayHost"/> listens.</summary>
public sealed record RelayHostOptions
{
    /// <summary>The relay's identity and limits.</summary>
    public required RelayServerOptions Relay { get; init; }

    /// <summary>Address and port to listen on; port 0 picks a free one.</summary>
    public IPEndPoint BindAddress { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Host name or IP put in the relay address clients use; defaults to the bound IP (loopback for "any").</summary>
    public string? PublicHost { get; init; }

    /// <summary>
    /// A CA-issued certificate (with its private key) for relays behind a domain. Null presents the relay's identity
    /// certificate, which clients pin by the relay id.
    /// </summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Plain <c>ws://</c> without TLS; allowed only on a loopback bind address (tests).</summary>
    public bool PlainTextOnLoopback { get; init; }

    /// <summary>The path of the relay endpoint.</summary>
    public string Path { get; init; } = RelayEndpointExtensions.DefaultPath;

    /// <summary>Logs; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// A ready relay server: Kestrel with TLS (the relay's identity certificate unless a CA certificate is given) and the
/// relay endpoint. <see cref="StopAsync"/> and <see cref="DisposeAsync"/> shut down gracefully: registered clients are
/// told to come back and re-register after a backoff.
/// </summary>
public sealed class RelayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RelayHub _hub;
    private readonly X509Certificate2? _ownCertificate;
    private int _stopped;

    private RelayHost(WebApplication app, RelayHub hub, RelayAddress address, IPEndPoint local, X509Certificate2? ownCertificate)
    {
        _app = app;
        _hub = hub;
        Address = address;
        LocalEndPoint = local;
        _ownCertificate = ownCertificate;
    }

    /// <summary>The relay address clients pass as their relay (URL + relay id).</summary>
    public RelayAddress Address { get; }

    /// <summary>The socket address Kestrel listens on.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Ids registered right now.</summary>
    public int RegisteredCount => _hub.RegisteredCount;

    /// <summary>Spliced sessions right now.</summary>
    public int ActiveSessions => _hub.ActiveSessions;

    internal RelayHub Hub => _hub;

    /// <summary>Starts a relay.</summary>
    /// <exception cref="ArgumentException">Plain text on a non-loopback address, or an option out of range.</exception>
    public static async Task<RelayHost> StartAsync(RelayHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Relay);
        options.Relay.Validate();
        if (options.PlainTextOnLoopback && !IPAddress.IsLoopback(options.BindAddress.Address))
        {
            throw new ArgumentException("Plain ws:// is allowed only on a loopback address.", nameof(options));
        }

        var ownCertificate = options.PlainTextOnLoopback || options.Certificate is not null
            ? null
            : CreateIdentityCertificate(options.Relay.Identity);
        var certificate = options.Certificate ?? ownCertificate;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (options.LoggerFactory is { } loggerFactory)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        // An embedded server must not take over the process's Ctrl+C and SIGTERM (the default console lifetime
        // swallows them to stop the app, so a CLI holding a RelayHost never exited on SIGTERM); its owner stops it.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.BindAddress, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        builder.Services.AddIrohSocialRelay(options.Relay);
        var app = builder.Build();
        app.MapIrohSocialRelay(options.Path);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            ownCertificate?.Dispose();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        var local = new IPEndPoint(options.BindAddress.Address, port);
        var host = options.PublicHost ?? PublicHostOf(options.BindAddress.Address);
        var scheme = certificate is null ? "http" : "https";
        var address = new RelayAddress(new Uri($"{scheme}://{host}:{port}{options.Path}"), options.Relay.Identity.PublicKey);
        var hub = app.Services.GetRequiredService<RelayHub>();
        RelayServerLog.Listening(app.Logger, options.Relay.Identity.PublicKey.ToShortString(), address.ToString());
        return new RelayHost(app, hub, address, local, ownCertificate);
    }

    /// <summary>
    /// The relay's identity certificate (the same kind every node presents, docs/protocol.md section 4.1), for apps
    /// that host the relay with <see cref="RelayEndpointExtensions.MapIrohSocialRelay"/> and configure Kestrel themselves.
    /// </summary>
    public static X509Certificate2 CreateIdentityCertificate(SecretKey identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return IdentityCertificate.Create(identity, DateTimeOffset.UtcNow);
    }

    /// <summary>Stops gracefully: registered clients are told to come back, then Kestrel stops.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _hub.ShutdownAsync().ConfigureAwait(false);
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops (if running) and releases the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _hub.DisposeAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _ownCertificate?.Dispose();
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static string PublicHostOf(IPAddress address)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return "127.0.0.1";
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }
}
