using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial;

/// <summary>
/// The SDK in one object: an endpoint serving <c>iroh-social/dm/1</c>, the direct-message client on top of it,
/// and the extensions the app added (<see cref="IrohSocialNodeOptions.Extensions"/>; calls come with
/// <c>IrohSocial.Media</c>, whose <c>WithCalls()</c> adds them and whose <c>node.Calls</c> finds them).
/// </summary>
public sealed partial class IrohSocialNode : IAsyncDisposable
{
    private readonly Endpoint _endpoint;
    private readonly Router _router;
    private readonly IMessagingStore? _ownedStore;
    private MdnsLocalDiscovery? _ownedDiscovery;
    private int _disposed;

    private readonly IReadOnlyList<IAsyncDisposable> _extensions;

    private IrohSocialNode(Endpoint endpoint, Router router, DmClient messages, IReadOnlyList<IAsyncDisposable> extensions, IMessagingStore? ownedStore)
    {
        _endpoint = endpoint;
        _router = router;
        Messages = messages;
        _extensions = extensions;
        _ownedStore = ownedStore;
    }

    /// <summary>The node's identity (its public key).</summary>
    public EndpointId Id => _endpoint.Id;

    /// <summary>How peers reach this node (with its mailbox, also one picked later with <c>Messages.SetMailboxAsync</c>).</summary>
    public EndpointAddr Addr => Messages.LocalAddress;

    /// <summary>The node's address as a ticket string to share with peers.</summary>
    public string Ticket => Addr.ToTicket();

    /// <summary>Completes once the node is registered on its preferred home relay (at once without relays).</summary>
    public Task WaitForRelayAsync(CancellationToken cancellationToken = default) => _endpoint.WaitForRelayAsync(cancellationToken);

    /// <summary>Direct messages and group conversations (<see cref="DmClient.CreateGroupAsync"/> and the other group methods).</summary>
    public DmClient Messages { get; }

    /// <summary>
    /// The first running extension of type <typeparamref name="T"/> (for example the call manager); throws
    /// <see cref="InvalidOperationException"/> when no extension of the node is one.
    /// </summary>
    public T GetExtension<T>()
        where T : class =>
        TryGetExtension<T>() ?? throw new InvalidOperationException($"This node runs no {typeof(T).Name}; add its extension to IrohSocialNodeOptions.Extensions.");

    /// <summary>The first running extension of type <typeparamref name="T"/>, or null when the node runs none.</summary>
    public T? TryGetExtension<T>()
        where T : class =>
        _extensions.OfType<T>().FirstOrDefault();

    /// <summary>Binds the endpoint, starts messaging and the extensions, and starts accepting connections.</summary>
    public static async Task<IrohSocialNode> StartAsync(IrohSocialNodeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.SecretKey);
        ArgumentNullException.ThrowIfNull(options.Extensions);
        var ownedStore = options.Store is null ? new InMemoryMessagingStore() : null;
        var store = options.Store ?? ownedStore!;
        var (discovery, ownedDiscovery) = ChooseDiscovery(options);
        Endpoint endpoint;
        try
        {
            endpoint = await Endpoint.BindAsync(
                new EndpointOptions
                {
                    SecretKey = options.SecretKey,
                    BindAddress = options.BindAddress,
                    Provider = options.Provider,
                    RelayUrls = options.RelayUrls,
                    Mailbox = options.Mailbox,
                    Alpns = [Alpns.DirectMessages, .. options.Extensions.SelectMany(e => e.Alpns)],
                    LoggerFactory = options.LoggerFactory,
                    TimeProvider = options.TimeProvider,
                    MeterFactory = options.MeterFactory,
                    LocalDiscovery = discovery,
                    AnnounceOnLocalNetwork = options.AnnounceOnLocalNetwork,
                    NetworkMonitor = options.NetworkMonitor,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await (ownedDiscovery?.DisposeAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
            await DisposeStoreAsync(ownedStore).ConfigureAwait(false);
            throw;
        }

        DmClient? messages = null;
        var extensions = new List<IAsyncDisposable>();
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
                    MeterFactory = options.MeterFactory,
                },
                cancellationToken).ConfigureAwait(false);
            router = new Router(endpoint, options.LoggerFactory);
            messages.Register(router);
            var context = new NodeExtensionContext(endpoint, messages, router, options.LoggerFactory, options.TimeProvider) { MeterFactory = options.MeterFactory };
            foreach (var extension in options.Extensions)
            {
                extensions.Add(await extension.StartAsync(context, cancellationToken).ConfigureAwait(false));
            }

            router.Start();
            return new IrohSocialNode(endpoint, router, messages, extensions, ownedStore) { _ownedDiscovery = ownedDiscovery };
        }
        catch
        {
            if (router is not null)
            {
                await router.DisposeAsync().ConfigureAwait(false);
            }

            await DisposeExtensionsAsync(extensions).ConfigureAwait(false);

            if (messages is not null)
            {
                await messages.DisposeAsync().ConfigureAwait(false);
            }

            await endpoint.DisposeAsync().ConfigureAwait(false);
            await (ownedDiscovery?.DisposeAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
            await DisposeStoreAsync(ownedStore).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the extensions (calls end abruptly), the router, messaging and the endpoint, and disposes an owned store.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await DisposeExtensionsAsync(_extensions).ConfigureAwait(false);
        await _router.ShutdownAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        await Messages.DisposeAsync().ConfigureAwait(false);
        await _endpoint.DisposeAsync().ConfigureAwait(false);
        await (_ownedDiscovery?.DisposeAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
        await DisposeStoreAsync(_ownedStore).ConfigureAwait(false);
    }

    // Last started, first stopped: a later extension may build on an earlier one.
    private static async ValueTask DisposeExtensionsAsync(IReadOnlyList<IAsyncDisposable> extensions)
    {
        for (var i = extensions.Count - 1; i >= 0; i--)
        {
            await extensions[i].DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async ValueTask DisposeStoreAsync(IMessagingStore? store)
    {
        if (store is not null)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
    }
}
