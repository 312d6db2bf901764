using IrohSocial.Crypto;
using IrohSocial.Media.Calls;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial;

/// <summary>
/// The SDK in one object: an endpoint serving <c>iroh-social/dm/1</c> and <c>iroh-social/call/1</c>, the
/// direct-message client and the call manager on top of it.
/// </summary>
public sealed partial class IrohSocialNode : IAsyncDisposable
{
    private readonly Endpoint _endpoint;
    private readonly Router _router;
    private readonly IMessagingStore? _ownedStore;
    private int _disposed;

    private IrohSocialNode(Endpoint endpoint, Router router, DmClient messages, CallManager calls, IMessagingStore? ownedStore)
    {
        _endpoint = endpoint;
        _router = router;
        Messages = messages;
        Calls = calls;
        _ownedStore = ownedStore;
    }

    /// <summary>The node's identity (its public key).</summary>
    public EndpointId Id => _endpoint.Id;

    /// <summary>How peers reach this node.</summary>
    public EndpointAddr Addr => _endpoint.Addr;

    /// <summary>The node's address as a ticket string to share with peers.</summary>
    public string Ticket => _endpoint.Addr.ToTicket();

    /// <summary>Completes once the node is registered on its preferred home relay (at once without relays).</summary>
    public Task WaitForRelayAsync(CancellationToken cancellationToken = default) => _endpoint.WaitForRelayAsync(cancellationToken);

    /// <summary>Direct messages and group conversations (<see cref="DmClient.CreateGroupAsync"/> and the other group methods).</summary>
    public DmClient Messages { get; }

    /// <summary>Voice and video calls.</summary>
    public CallManager Calls { get; }

    /// <summary>Binds the endpoint, starts messaging and calls, and starts accepting connections.</summary>
    public static async Task<IrohSocialNode> StartAsync(IrohSocialNodeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.SecretKey);
        ArgumentNullException.ThrowIfNull(options.Calls);
        var ownedStore = options.Store is null ? new InMemoryMessagingStore() : null;
        var store = options.Store ?? ownedStore!;
        var endpoint = await Endpoint.BindAsync(
            new EndpointOptions
            {
                SecretKey = options.SecretKey,
                BindAddress = options.BindAddress,
                Provider = options.Provider,
                RelayUrls = options.RelayUrls,
                Alpns = [Alpns.DirectMessages, Alpns.Calls],
                LoggerFactory = options.LoggerFactory,
                TimeProvider = options.TimeProvider,
            },
            cancellationToken).ConfigureAwait(false);
        DmClient? messages = null;
        CallManager? calls = null;
        Router? router = null;
        try
        {
            messages = await DmClient.StartAsync(
                new DmClientOptions
                {
                    SecretKey = options.SecretKey,
                    Store = store,
                    Endpoint = endpoint,
                    AttachmentDirectory = options.AttachmentDirectory,
                    ShareDirectAddresses = options.ShareDirectAddresses,
                    LoggerFactory = options.LoggerFactory,
                    TimeProvider = options.TimeProvider,
                },
                cancellationToken).ConfigureAwait(false);
            calls = new CallManager(messages, endpoint, options.Calls, options.TimeProvider, options.LoggerFactory);
            router = new Router(endpoint, options.LoggerFactory);
            messages.Register(router);
            calls.Register(router);
            router.Start();
            return new IrohSocialNode(endpoint, router, messages, calls, ownedStore);
        }
        catch
        {
            if (router is not null)
            {
                await router.DisposeAsync().ConfigureAwait(false);
            }

            if (calls is not null)
            {
                await calls.DisposeAsync().ConfigureAwait(false);
            }

            if (messages is not null)
            {
                await messages.DisposeAsync().ConfigureAwait(false);
            }

            await endpoint.DisposeAsync().ConfigureAwait(false);
            await DisposeStoreAsync(ownedStore).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Ends calls (abruptly), stops messaging, the router and the endpoint, and disposes an owned store.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Calls.DisposeAsync().ConfigureAwait(false);
        await _router.ShutdownAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        await Messages.DisposeAsync().ConfigureAwait(false);
        await _endpoint.DisposeAsync().ConfigureAwait(false);
        await DisposeStoreAsync(_ownedStore).ConfigureAwait(false);
    }

    private static async ValueTask DisposeStoreAsync(IMessagingStore? store)
    {
        if (store is not null)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
    }
}
