using System.Security.Cryptography;
using IrohSocial.Crypto;
using IrohSocial.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace IrohSocial.Web.Server;

/// <summary>
/// One running web app: ASP.NET Core serving the page and its API on loopback, hosting one IrohSocial node (through
/// <see cref="IrohSocialHost"/>) whose identity, database and attachments live in the data folder.
/// </summary>
public sealed class IrohSocialWebApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SecretKey _identity;
    private readonly AtRestSealer _sealer;

    private IrohSocialWebApp(WebApplication app, SecretKey identity, AtRestSealer sealer, string token, Uri baseAddress)
    {
        _app = app;
        _identity = identity;
        _sealer = sealer;
        Token = token;
        BaseAddress = baseAddress;
    }

    /// <summary>The page's token (in <see cref="LaunchUrl"/>).</summary>
    public string Token { get; }

    /// <summary>Where the page is served, e.g. <c>http://127.0.0.1:5001/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The URL to open: <see cref="BaseAddress"/> with the token.</summary>
    public Uri LaunchUrl => new(BaseAddress, "?token=" + Token);

    /// <summary>The hosted node.</summary>
    public IrohSocialHost Node => _app.Services.GetRequiredService<IrohSocialHost>();

    /// <summary>Builds and starts the app; returns once it listens and the node runs.</summary>
    /// <exception cref="ArgumentException">The settings are invalid (for example a non-loopback URL without AllowRemote).</exception>
    public static async Task<IrohSocialWebApp> StartAsync(WebAppSettings settings, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var data = Path.GetFullPath(settings.DataDirectory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(data);
        }
        else
        {
            // Owner-only: it holds the identity, the store, the sealed contacts and attachments.
            Directory.CreateDirectory(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        settings = settings with { DataDirectory = data };
        var token = settings.Token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

        // The app loads the identity itself: the node gets a copy, and the app's own files (contacts) are sealed under
        // a key derived from it, like the SDK's store.
        var identity = WebIdentity.LoadOrCreate(Path.Combine(data, "identity.key"));
        var sealer = new AtRestSealer(identity);
        try
        {
            return await StartAsync(settings, identity, sealer, token, logging, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            sealer.Dispose();
            identity.Dispose();
            throw;
        }
    }

    private static async Task<IrohSocialWebApp> StartAsync(
        WebAppSettings settings, SecretKey identity, AtRestSealer sealer, string token, Action<ILoggingBuilder>? logging, CancellationToken cancellationToken)
    {
        var data = settings.DataDirectory;
        LegacySentFolder.SealInPlace(Path.Combine(data, LegacySentFolder.FolderName), sealer);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.WebHost.UseUrls(settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (logging is not null)
        {
            builder.Logging.ClearProviders();
            logging(builder.Logging);
        }

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(sealer);
        builder.Services.AddSingleton(new ContactBook(data, sealer));
        builder.Services.AddSingleton<EventStream>();
        builder.Services.AddSingleton<CallSession>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        builder.Services.AddIrohSocial(o =>
        {
            o.IdentityKeyPath = Path.Combine(data, "identity.key");
            o.SecretKeyProvider = _ => ValueTask.FromResult(WebIdentity.Copy(identity)); // the host disposes its copy
            o.DatabasePath = Path.Combine(data, "irohsocial.db");
            o.AttachmentDirectory = Path.Combine(data, "attachments");
            o.BindAddress = settings.PeerBindAddress;
            o.Extensions.Add(new IrohSocial.Media.Calls.CallsExtension());
        });
        // Registered after AddIrohSocial: hosted services start in order, so the node runs before its events are read.
        builder.Services.AddHostedService<NodeEvents>();

        var app = builder.Build();
        // WebSockets first: the gate needs to see which requests are WebSocket upgrades (to check their origin).
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.UseMiddleware<TokenGate>(new TokenGate.Options(token));
        app.UseDefaultFiles();
        app.UseStaticFiles();
        Api.Map(app, settings);
        app.Map("/ws/events", async (HttpContext context, EventStream events) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                return Results.BadRequest();
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await events.RunAsync(socket, context.RequestAborted);
            return Results.Empty;
        });
        app.Map("/ws/media", async (HttpContext context, CallSession calls) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                return Results.BadRequest();
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await calls.RunMediaSocketAsync(socket, context.RequestAborted);
            return Results.Empty;
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new IrohSocialWebApp(app, identity, sealer, token, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <summary>Completes when the app is asked to stop (Ctrl+C or SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops the server and the node.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _sealer.Dispose();
        _identity.Dispose();
    }
}
