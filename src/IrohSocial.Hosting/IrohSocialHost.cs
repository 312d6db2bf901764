using System.Diagnostics.Metrics;
using IrohSocial.Crypto;
using IrohSocial.Hosting.Internal;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite;
using IrohSocial.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IrohSocial.Hosting;

/// <summary>
/// The IrohSocial node of a .NET host: loads the identity, opens the store and starts an <see cref="IrohSocialNode"/>
/// (messages and calls) when the host starts; stops it gracefully (calls, workers, connections, endpoint, store)
/// when the host stops. Registered by
/// <see cref="IrohSocialServiceCollectionExtensions.AddIrohSocial"/>; inject it to send and receive.
/// </summary>
public sealed class IrohSocialHost : IHostedService, IAsyncDisposable, IDisposable
{
    private readonly IOptions<IrohSocialHostOptions> _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly TimeProvider _time;
    private readonly IMeterFactory? _meterFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Running? _running;

    /// <summary>
    /// Created by dependency injection. The node's meters come from <paramref name="meterFactory"/> (the host's, which
    /// <c>Host.CreateApplicationBuilder</c> and OpenTelemetry register), so they reach the host's exporters.
    /// </summary>
    public IrohSocialHost(IOptions<IrohSocialHostOptions> options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        _meterFactory = meterFactory;
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _loggerFactory = loggerFactory;
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory?.CreateLogger<IrohSocialHost>() ?? NullLogger<IrohSocialHost>.Instance;
    }

    /// <summary>Whether the node is started.</summary>
    public bool IsRunning => Volatile.Read(ref _running) is not null;

    /// <summary>This node's identity.</summary>
    /// <exception cref="InvalidOperationException">The host has not started (or has stopped).</exception>
    public EndpointId Id => Current.Node.Id;

    /// <summary>How peers reach this node.</summary>
    /// <exception cref="InvalidOperationException">The host has not started (or has stopped).</exception>
    public EndpointAddr Address => Current.Node.Messages.LocalAddress;

    /// <summary>The copy-pasteable form of <see cref="Address"/>.</summary>
    /// <exception cref="InvalidOperationException">The host has not started (or has stopped).</exception>
    public string Ticket => Address.ToTicket();

    /// <summary>Direct messages: send, read, events.</summary>
    /// <exception cref="InvalidOperationException">The host has not started (or has stopped).</exception>
    public DmClient Messages => Current.Node.Messages;


    /// <summary>The running node (messages, calls, id, ticket).</summary>
    /// <exception cref="InvalidOperationException">The host has not started (or has stopped).</exception>
    public IrohSocialNode Node => Current.Node;

    private Running Current => Volatile.Read(ref _running) ?? throw new InvalidOperationException("The IrohSocial node is not running; it starts with the host.");

    /// <summary>Loads the identity, opens the store and starts the node. A failed start cleans up what it opened.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_running is not null)
            {
                return;
            }

            SecretKey key;
            if (options.SecretKeyProvider is { } provider)
            {
                key = await provider(cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException("SecretKeyProvider returned no key.");
            }
            else
            {
                var passphrase = options.IdentityPassphraseProvider is { } ask ? await ask(cancellationToken).ConfigureAwait(false) : null;
                (key, var created) = await IdentityFile.LoadOrCreateAsync(options.IdentityKeyPath, passphrase, cancellationToken).ConfigureAwait(false);
                if (created)
                {
                    Log.IdentityCreated(_logger, key.PublicKey, options.IdentityKeyPath);
                }
            }

            AtRestSealer? sealer = null;
            IMessagingStore? store = null;
            try
            {
                // Parsed before anything starts: a bad ticket fails the start with nothing left running.
                var mailbox = options.Mailbox is { } ticket ? EndpointAddr.ParseTicket(ticket) : null;
                if (options.DatabasePath is { } path)
                {
                    sealer = new AtRestSealer(key);
                    store = await SqliteMessagingStore.OpenAsync(path, sealer, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    store = new InMemoryMessagingStore();
                }

                var node = await IrohSocialNode.StartAsync(
                    new IrohSocialNodeOptions
                    {
                        SecretKey = key,
                        Store = store,
                        BindAddress = options.ParseBindAddress(),
                        Provider = options.Provider,
                        AttachmentDirectory = options.AttachmentDirectory,
                        Extensions = [.. options.Extensions],
                        Mailbox = mailbox,
                        BrowseLocalNetwork = options.BrowseLocalNetwork,
                        AnnounceOnLocalNetwork = options.AnnounceOnLocalNetwork,
                        LoggerFactory = _loggerFactory,
                        TimeProvider = _time,
                        MeterFactory = _meterFactory,
                    },
                    cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _running, new Running(key, sealer, store, node));
                Log.Started(_logger, key.PublicKey, node.Messages.Endpoint.LocalEndPoint.ToString(), options.DatabasePath is null ? "in-memory" : "SQLite");
            }
            catch
            {
                if (store is not null)
                {
                    await store.DisposeAsync().ConfigureAwait(false);
                }

                sealer?.Dispose();
                key.Dispose();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the node (calls, workers, connections, endpoint), then closes the store and wipes the identity from memory.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Interlocked.Exchange(ref _running, null) is { } running)
            {
                var id = running.Key.PublicKey;
                await running.DisposeAsync().ConfigureAwait(false);
                Log.Stopped(_logger, id);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the node if it is running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _running, null) is { } running)
        {
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the node if it is running, blocking until done (for containers disposed synchronously; prefer
    /// <see cref="DisposeAsync"/>).
    /// </summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed record Running(SecretKey Key, AtRestSealer? Sealer, IMessagingStore Store, IrohSocialNode Node) : IAsyncDisposable
    {
        // Order matters: the node uses the store and the key, the store uses the sealer.
        public async ValueTask DisposeAsync()
        {
            await Node.DisposeAsync().ConfigureAwait(false);
            await Store.DisposeAsync().ConfigureAwait(false);
            Sealer?.Dispose();
            Key.Dispose();
        }
    }
}
