using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Mailbox.Storage;
using IrohSocial.Storage.Sqlite;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.Mailbox.Tests;

/// <summary>A node that serves only <c>iroh-social/mailbox/1</c>, on loopback, with an in-memory store or a SQLite file in a temp folder.</summary>
internal sealed class MailboxHost : IAsyncDisposable
{
    private Endpoint? _endpoint;
    private Router? _router;

    private MailboxHost(string folder, SecretKey key, int port, Func<MailboxServiceOptions, MailboxServiceOptions>? configure, bool sqlite, IReadOnlyList<RelayAddress> relays, TransportProvider? provider)
    {
        Provider = provider;
        Folder = folder;
        Key = key;
        Port = port;
        Configure = configure;
        Sqlite = sqlite;
        Relays = relays;
    }

    public string Folder { get; }

    public SecretKey Key { get; }

    public int Port { get; }

    public bool Sqlite { get; }

    public IReadOnlyList<RelayAddress> Relays { get; }

    /// <summary>The transport, when a test needs a particular one (a TCP fault proxy in front); else this run's.</summary>
    public TransportProvider? Provider { get; }

    public Func<MailboxServiceOptions, MailboxServiceOptions>? Configure { get; }

    public IMailboxStore Store { get; private set; } = null!;

    public MailboxService Service { get; private set; } = null!;

    public EndpointAddr Address => _endpoint!.Addr;

    public string DatabasePath => Path.Combine(Folder, "mailbox.db");

    public static async Task<MailboxHost> StartAsync(
        Func<MailboxServiceOptions, MailboxServiceOptions>? configure = null, bool sqlite = true, IReadOnlyList<RelayAddress>? relays = null, TransportProvider? provider = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "irohsocial-mailbox-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var host = new MailboxHost(folder, SecretKey.Generate(), TestTransport.FreePort(), configure, sqlite, relays ?? [], provider);
        await host.StartAsync();
        return host;
    }

    /// <summary>Starts (again) on the same port and file.</summary>
    public async Task StartAsync()
    {
        Store = Sqlite ? await SqliteMailboxStore.OpenAsync(DatabasePath) : Store ?? new InMemoryMailboxStore();
        var options = new MailboxServiceOptions { Store = Store };
        Service = MailboxService.Start(Configure?.Invoke(options) ?? options);
        _endpoint = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = Key,
            BindAddress = new IPEndPoint(IPAddress.Loopback, Port),
            Provider = Provider ?? TestTransport.Require(),
            Alpns = [Alpns.Mailbox],
            RelayUrls = Relays,
        });
        _router = Service.Register(new Router(_endpoint));
        _router.Start();
        if (Relays.Count > 0)
        {
            await _endpoint.WaitForRelayAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async Task StopAsync()
    {
        if (_router is not null)
        {
            await _router.DisposeAsync();
            _router = null;
        }

        if (_endpoint is not null)
        {
            await _endpoint.DisposeAsync();
            _endpoint = null;
        }

        await Service.DisposeAsync();
        if (Store is SqliteMailboxStore sqlite)
        {
            await sqlite.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>An endpoint that only dials (a depositor or an owner talking to a mailbox).</summary>
internal sealed class Dialer : IAsyncDisposable
{
    private Dialer(SecretKey key, Endpoint endpoint, MailboxClient client)
    {
        Key = key;
        Endpoint = endpoint;
        Client = client;
    }

    public SecretKey Key { get; }

    public EndpointId Id => Key.PublicKey;

    public Endpoint Endpoint { get; }

    public MailboxClient Client { get; }

    public static async Task<Dialer> StartAsync(EndpointAddr mailbox, SecretKey? key = null)
    {
        key ??= SecretKey.Generate();
        var endpoint = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = key,
            BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
            Provider = TestTransport.Require(),
            Alpns = [Alpns.DirectMessages],
        });
        return new Dialer(key, endpoint, new MailboxClient(endpoint, mailbox));
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Endpoint.DisposeAsync();
    }
}
