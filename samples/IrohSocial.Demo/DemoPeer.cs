using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Media.Calls;
using IrohSocial.Messaging;
using IrohSocial.Storage.Sqlite;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Demo;

/// <summary>
/// One demo user: an identity saved next to its SQLite store, a loopback port that stays the same across a
/// restart (so the other side finds it again at the address it has), and a running <see cref="IrohSocialNode"/>.
/// </summary>
public sealed class DemoPeer : IAsyncDisposable
{
    private readonly string _folder;
    private readonly ILoggerFactory? _loggerFactory;
    private AtRestSealer? _sealer;
    private SqliteMessagingStore? _store;
    private IrohSocialNode? _node;
    private int _port;

    private readonly TransportProvider _transport;

    private DemoPeer(string name, string folder, SecretKey key, ILoggerFactory? loggerFactory, TransportProvider transport)
    {
        _transport = transport;
        Name = name;
        _folder = folder;
        Key = key;
        _loggerFactory = loggerFactory;
    }

    /// <summary>"Alice" or "Bob".</summary>
    public string Name { get; }

    /// <summary>The identity.</summary>
    public SecretKey Key { get; }

    /// <summary>The running client; throws while the peer is stopped.</summary>
    public DmClient Client => Node.Messages;

    /// <summary>Calls of the running node.</summary>
    public CallManager Calls => Node.Calls;

    /// <summary>The running node; throws while the peer is stopped.</summary>
    public IrohSocialNode Node => _node ?? throw new InvalidOperationException($"{Name} is offline.");

    /// <summary>Every event raised by the current client.</summary>
    public EventRecorder Events { get; private set; } = new();

    /// <summary>Whether the client is running.</summary>
    public bool IsOnline { get; private set; }

    /// <summary>How the other peer reaches this one.</summary>
    public EndpointAddr Address => new(Key.PublicKey, [new IPEndPoint(IPAddress.Loopback, _port)]);

    /// <summary>Where received attachments are written.</summary>
    public string AttachmentDirectory => Path.Combine(_folder, Name.ToLowerInvariant() + "-attachments");

    /// <summary>The SQLite file.</summary>
    public string DatabasePath => Path.Combine(_folder, Name.ToLowerInvariant() + ".db");

    /// <summary>Loads (or creates and saves) the peer's identity in <paramref name="folder"/> and starts it.</summary>
    public static async Task<DemoPeer> StartAsync(
        string name, string folder, ILoggerFactory? loggerFactory, CancellationToken cancellationToken, TransportProvider transport = TransportProvider.Auto)
    {
        var keyPath = Path.Combine(folder, name.ToLowerInvariant() + ".key");
        SecretKey key;
        if (File.Exists(keyPath))
        {
            key = SecretKey.Import(Convert.FromHexString((await File.ReadAllTextAsync(keyPath, cancellationToken)).Trim()));
        }
        else
        {
            key = SecretKey.Generate();
            var seed = new byte[SecretKey.Size];
            key.Export(seed);
            await File.WriteAllTextAsync(keyPath, Convert.ToHexStringLower(seed), cancellationToken);
            Array.Clear(seed);
        }

        var peer = new DemoPeer(name, folder, key, loggerFactory, transport);
        try
        {
            await peer.StartAsync(cancellationToken);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens the store and starts the node (again after <see cref="StopAsync"/>, on the same port).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _sealer = new AtRestSealer(Key);
        _store = await SqliteMessagingStore.OpenAsync(DatabasePath, _sealer, cancellationToken);
        Events = new EventRecorder();
        var node = await IrohSocialNode.StartAsync(
            new IrohSocialNodeOptions
            {
                SecretKey = Key,
                Store = _store,
                BindAddress = new IPEndPoint(IPAddress.Loopback, _port),
                Provider = _transport,
                AttachmentDirectory = AttachmentDirectory,
                LoggerFactory = _loggerFactory,
                Extensions = [new CallsExtension()],
                BrowseLocalNetwork = false, // both peers live in this process on loopback: nothing to find on the LAN

            },
            cancellationToken);
        _port = node.Messages.Endpoint.LocalEndPoint.Port;
        Events.Attach(node.Messages);
        _node = node;
        IsOnline = true;
    }

    /// <summary>Stops the node and closes the store, as if the app were quit.</summary>
    public async Task StopAsync()
    {
        IsOnline = false;
        if (_node is { } node)
        {
            _node = null;
            await node.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
        }

        _sealer?.Dispose();
        _sealer = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Key.Dispose();
    }
}
