using System.Collections.Concurrent;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Soak;

/// <summary>
/// One soak participant: a DmClient on its own SQLite file, restartable (dispose + reopen the same database).
/// Used in-process by the test and inside the child process (see <see cref="SoakChildProcess"/>).
/// </summary>
internal sealed class SoakNode : IAsyncDisposable
{
    private readonly byte[] _seed;
    private readonly string _databasePath;
    private readonly Action<string, string>? _onReceived;
    private SecretKey? _key;
    private AtRestSealer? _sealer;

    private SoakNode(string name, byte[] seed, string databasePath, Action<string, string>? onReceived)
    {
        Name = name;
        _seed = seed;
        _databasePath = databasePath;
        _onReceived = onReceived;
        using var key = SecretKey.Import(seed);
        Id = key.PublicKey;
    }

    public string Name { get; }

    public EndpointId Id { get; }

    public DmClient? Client { get; private set; }

    public SqliteMessagingStore? Store { get; private set; }

    /// <summary>Peers by name with the address they are reached at (a fault proxy in front of each).</summary>
    public ConcurrentDictionary<string, EndpointAddr> Peers { get; } = new();

    /// <summary>Options tuned for a soak: fast retries so disconnects heal within seconds.</summary>
    public static DmClientOptions Options(SecretKey key, IMessagingStore store) => new()
    {
        SecretKey = key,
        Store = store,
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = TransportProvider.TcpTls, // every peer is reached through a TCP fault proxy
        RetryPolicy = new OutboxRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) },
        AckTimeout = TimeSpan.FromSeconds(3),
    };

    /// <summary>Opens (or reopens) the node; <paramref name="onReceived"/> gets (content, sender name) for each message.</summary>
    public static async Task<SoakNode> StartAsync(string name, byte[] seed, string databasePath, Action<string, string>? onReceived)
    {
        var node = new SoakNode(name, seed, databasePath, onReceived);
        await node.OpenAsync();
        return node;
    }

    public IPEndPoint LocalEndPoint => Client!.Endpoint.LocalEndPoint;

    public async Task OpenAsync()
    {
        _key = SecretKey.Import(_seed);
        _sealer = new AtRestSealer(_key);
        Store = await SqliteMessagingStore.OpenAsync(_databasePath, _sealer);
        Client = await DmClient.StartAsync(Options(_key, Store));
        Client.MessageReceived += (_, e) => _onReceived?.Invoke(e.Message.Content, PeerName(e.Peer));
        foreach (var peer in Peers.Values)
        {
            Client.AddPeer(peer);
        }
    }

    public void AddPeer(string name, EndpointAddr address)
    {
        Peers[name] = address;
        Client?.AddPeer(address);
    }

    public async Task RestartAsync()
    {
        await CloseAsync();
        await OpenAsync();
    }

    /// <summary>Outgoing message contents stored for <paramref name="peer"/> (what this node has queued, durably).</summary>
    public async Task<IReadOnlyList<StoredMessage>> MessagesWithAsync(EndpointId peer) =>
        await Store!.GetMessagesAsync(peer, int.MaxValue, null);

    public async Task<int> OutboxPeersAsync() => (await Store!.GetOutboxPeersAsync()).Count;

    public async ValueTask DisposeAsync() => await CloseAsync();

    private string PeerName(EndpointId id) => Peers.FirstOrDefault(p => p.Value.Id == id).Key ?? id.ToShortString();

    private async Task CloseAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
            Client = null;
        }

        if (Store is not null)
        {
            await Store.DisposeAsync();
            Store = null;
        }

        _sealer?.Dispose();
        _key?.Dispose();
        _sealer = null;
        _key = null;
    }
}
