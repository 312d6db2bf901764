using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite;
using IrohSocial.Testing;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Messaging.Tests.Support;

/// <summary>
/// One peer for DM tests: an identity, a store (in memory or a SQLite file in a temp folder), a fixed loopback
/// port (so it can come back at the same address after a restart) and a running <see cref="DmClient"/>.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    public static readonly OutboxRetryPolicy FastRetry = new() { BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(400) };

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "irohsocial-dm-" + Guid.NewGuid().ToString("N"));
    private readonly bool _sqlite;
    private AtRestSealer? _sealer;

    private TestNode(string name, bool sqlite)
    {
        Name = name;
        _sqlite = sqlite;
        Directory.CreateDirectory(_folder);
        Port = TestTransport.FreePort();
    }

    public string Name { get; }

    public SecretKey Key { get; private set; } = SecretKey.Generate();

    public EndpointId Id => Key.PublicKey;

    public int Port { get; }

    public IMessagingStore Store { get; private set; } = null!;

    public CrashingStore? Crashing { get; private set; }

    public DmClient? Client { get; private set; }

    public EventLog Events { get; private set; } = new();

    public LogCapture Logs { get; } = new();

    /// <summary>Where the client's meters come from (set before <see cref="StartAsync"/>); null: the client's own.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    public string DatabasePath => Path.Combine(_folder, "dm.db");

    public string AttachmentFolder => Path.Combine(_folder, "attachments");

    public EndpointAddr Address => new(Id, [new IPEndPoint(IPAddress.Loopback, Port)]);

    public DmClient C => Client ?? throw new InvalidOperationException($"{Name} is down.");

    public static async Task<TestNode> CreateAsync(string name, bool sqlite = false, bool start = true)
    {
        var node = new TestNode(name, sqlite);
        await node.OpenStoreAsync();
        if (start)
        {
            await node.StartAsync();
        }

        return node;
    }

    private async Task OpenStoreAsync()
    {
        if (_sqlite)
        {
            _sealer = new AtRestSealer(Key);
            Store = await SqliteMessagingStore.OpenAsync(DatabasePath, _sealer);
        }
        else
        {
            Store = new InMemoryMessagingStore();
        }
    }

    /// <summary>Starts a client; with <paramref name="crashAtWrite"/> its store dies at that write.</summary>
    public async Task StartAsync(int crashAtWrite = int.MaxValue, Func<DmClientOptions, DmClientOptions>? configure = null)
    {
        Crashing = new CrashingStore(Store, crashAtWrite);
        Events = new EventLog();
        var options = new DmClientOptions
        {
            SecretKey = Key,
            Store = Crashing,
            BindAddress = new IPEndPoint(IPAddress.Loopback, Port),
            Provider = TestTransport.Require(),
            RetryPolicy = FastRetry,
            AckTimeout = TimeSpan.FromSeconds(10),
            AttachmentDirectory = AttachmentFolder,
            LoggerFactory = Logs.Factory,
            MeterFactory = MeterFactory,
        };
        Client = await DmClient.StartAsync(configure?.Invoke(options) ?? options);
        Events.Attach(Client);
    }

    public async Task StopAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
            Client = null;
        }
    }

    /// <summary>Stops the client and starts a new one; a SQLite store is closed and reopened from its file in between.</summary>
    public async Task RestartAsync(int crashAtWrite = int.MaxValue)
    {
        await StopAsync();
        if (_sqlite)
        {
            await Store.DisposeAsync();
            Store = await SqliteMessagingStore.OpenAsync(DatabasePath, _sealer!);
        }

        await StartAsync(crashAtWrite);
    }

    /// <summary>Simulates a reinstall: same identity and address, empty store.</summary>
    public async Task ReinstallAsync()
    {
        await StopAsync();
        await CloseStoreAsync();
        if (File.Exists(DatabasePath))
        {
            File.Delete(DatabasePath);
        }

        await OpenStoreAsync();
        await StartAsync();
    }

    private async Task CloseStoreAsync()
    {
        if (Store is not null)
        {
            await Store.DisposeAsync();
        }

        _sealer?.Dispose();
        _sealer = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await CloseStoreAsync();
        Key.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Harmless leftovers in temp.
        }
    }
}
