using System.Collections.Concurrent;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.Mailbox.Tests;

/// <summary>A DM client that can go offline and come back with the same identity, port and store (kept in memory across restarts).</summary>
internal sealed class DmPeer : IAsyncDisposable
{
    private static readonly OutboxRetryPolicy FastRetry = new() { BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(400) };
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "irohsocial-mbpeer-" + Guid.NewGuid().ToString("N"));
    private Endpoint? _endpoint;
    private Router? _router;

    public DmPeer(string name, EndpointAddr? mailbox = null, IReadOnlyList<RelayAddress>? relays = null)
    {
        Name = name;
        Mailbox = mailbox;
        Relays = relays ?? [];
        Directory.CreateDirectory(_folder);
    }

    public string Name { get; }

    public SecretKey Key { get; } = SecretKey.Generate();

    public EndpointId Id => Key.PublicKey;

    public int Port { get; } = TestTransport.FreePort();

    public EndpointAddr? Mailbox { get; }

    public IReadOnlyList<RelayAddress> Relays { get; }

    public IMessagingStore Store { get; } = new InMemoryMessagingStore();

    /// <summary>Adjusts the endpoint's options at every start (a transport, a network monitor, timeouts).</summary>
    public Func<EndpointOptions, EndpointOptions>? ConfigureEndpoint { get; init; }

    public DmClient? Client { get; private set; }

    public DmClient C => Client ?? throw new InvalidOperationException($"{Name} is offline.");

    public ConcurrentQueue<DmEvent> Events { get; private set; } = new();

    /// <summary>The address others use while it is offline: its port on loopback (or only its relay), and its mailbox.</summary>
    public EndpointAddr Address => new(Id, Relays.Count > 0 ? [] : [new IPEndPoint(IPAddress.Loopback, Port)], Relays.FirstOrDefault()?.ToUri()) { Mailbox = Mailbox };

    /// <summary>Starts; without <paramref name="useMailbox"/> it neither advertises nor fetches its mailbox.</summary>
    public async Task StartAsync(Func<DmClientOptions, DmClientOptions>? configure = null, bool useMailbox = true)
    {
        Events = new ConcurrentQueue<DmEvent>();
        var endpointOptions = new EndpointOptions
        {
            SecretKey = Key,
            BindAddress = new IPEndPoint(IPAddress.Loopback, Port),
            Provider = TestTransport.Require(),
            Alpns = [Alpns.DirectMessages],
            RelayUrls = Relays,
            Mailbox = useMailbox ? Mailbox : null,
        };
        _endpoint = await Endpoint.BindAsync(ConfigureEndpoint?.Invoke(endpointOptions) ?? endpointOptions);
        var options = new DmClientOptions
        {
            SecretKey = Key,
            Store = Store,
            Endpoint = _endpoint,
            RetryPolicy = FastRetry,
            AckTimeout = TimeSpan.FromSeconds(10),
            AttachmentDirectory = Path.Combine(_folder, "attachments"),
            MailboxPollInterval = TimeSpan.FromSeconds(2),
        };
        Client = await DmClient.StartAsync(configure?.Invoke(options) ?? options);
        Client.MessageReceived += (_, e) => Events.Enqueue(e);
        Client.MessageDelivered += (_, e) => Events.Enqueue(e);
        Client.MessageDeposited += (_, e) => Events.Enqueue(e);
        _router = Client.Register(new Router(_endpoint));
        _router.Start();
        if (Relays.Count > 0)
        {
            await _endpoint.WaitForRelayAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async Task StopAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
            Client = null;
        }

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
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
