using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Internal.Groups;
using IrohSocial.Messaging.Internal.Mailbox;
using IrohSocial.Messaging.Search;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Messaging;

/// <summary>
/// End-to-end encrypted direct messages over <c>iroh-social/dm/1</c>: send and receive, acknowledgements,
/// a durable outbox, read receipts, typing, deletion on both sides, attachments and call signaling.
/// </summary>
/// <remarks>
/// Create with <see cref="StartAsync"/>. Either the client owns its endpoint and router (no
/// <see cref="DmClientOptions.Endpoint"/> given), or it shares the app's endpoint and the app calls
/// <see cref="Register"/> on its router. Disposing stops the client; a shared endpoint and the store stay open.
/// </remarks>
public sealed partial class DmClient : IAsyncDisposable
{
    private readonly DmClientOptions _options;
    private readonly ILogger _logger;
    private readonly DmRuntime _runtime;
    private readonly RecordRegistry _records = new();
    private readonly EventHub _hub = new();
    private readonly ConcurrentDictionary<EndpointId, PeerChannel> _channels = new();
    private readonly ConcurrentDictionary<EndpointId, EndpointAddr> _addresses = new();
    private readonly ConcurrentDictionary<EndpointId, Connection> _connections = new();
    private readonly CancellationTokenSource _shutdown = new();
    // Cancelled when the router shuts down: inbound connections stop taking new streams and finish the ones they have,
    // so the router's grace period is spent only on work in flight, not on idle connections.
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly Endpoint _endpoint;
    private readonly AtRestSealer _sealer;
    private readonly AttachmentVault _vault;
    private readonly bool _ownsEndpoint;
    private Router? _ownRouter;
    private int _disposed;

    private DmClient(DmClientOptions options, Endpoint endpoint, bool ownsEndpoint)
    {
        _options = options;
        _endpoint = endpoint;
        _ownsEndpoint = ownsEndpoint;
        _logger = options.LoggerFactory?.CreateLogger<DmClient>() ?? NullLogger<DmClient>.Instance;
        _sealer = new AtRestSealer(options.SecretKey);
        _vault = new AttachmentVault(options.AttachmentDirectory ?? AttachmentVault.DefaultRoot(options.SecretKey.PublicKey, _sealer), _sealer);
        _runtime = new DmRuntime(options.SecretKey, options.Store, options, _logger, OpenEnvelopeStreamAsync, Raise, _vault)
        {
            ResolveAddress = ResolveAsync,
            LocalAddress = () => LocalAddress,
            Mailboxes = new MailboxClientPool(endpoint),
            Telemetry = new MessagingTelemetry(options.MeterFactory, OutboxDepth),
        };
        ProtocolHandler = new DmProtocolHandler(this);
        _groups = Indexing.Inner is IGroupStore groupStore ? new GroupService(this, _runtime, groupStore) : null;
        RegisterAddressControl();
        _endpoint.NetworkChanged += OnNetworkChanged;
    }

    /// <summary>The local identity.</summary>
    public EndpointId LocalId => _runtime.LocalId;

    /// <summary>How peers reach this client (share <see cref="EndpointAddr.ToTicket"/>).</summary>
    public EndpointAddr LocalAddress => Equals(Mailbox, _endpoint.Addr.Mailbox) ? _endpoint.Addr : _endpoint.Addr with { Mailbox = Mailbox };

    /// <summary>The endpoint the client sends through.</summary>
    public Endpoint Endpoint => _endpoint;

    /// <summary>The <c>iroh-social/dm/1</c> handler, for apps that build their own <see cref="Router"/>.</summary>
    internal IProtocolHandler ProtocolHandler { get; }

    /// <summary>
    /// Starts a client: binds an endpoint unless one is given, resumes the outbox of every peer with queued
    /// entries, and (when it owns the endpoint) starts accepting <c>iroh-social/dm/1</c> connections.
    /// </summary>
    public static async Task<DmClient> StartAsync(DmClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Every write passes the search index on its way to the app's store (see DmClient.Search.cs).
        options = options with { Store = new SearchIndexingStore(options.Store) };
        var endpoint = options.Endpoint;
        var owns = endpoint is null;
        endpoint ??= await Endpoint.BindAsync(
            new EndpointOptions
            {
                SecretKey = options.SecretKey,
                BindAddress = options.BindAddress,
                Provider = options.Provider,
                Alpns = [Alpns.DirectMessages],
                Mailbox = options.Mailbox,
                LoggerFactory = options.LoggerFactory,
                TimeProvider = options.TimeProvider,
                MeterFactory = options.MeterFactory,
                LocalDiscovery = options.LocalDiscovery,
                AnnounceOnLocalNetwork = options.AnnounceOnLocalNetwork,
            },
            cancellationToken).ConfigureAwait(false);
        var client = new DmClient(options, endpoint, owns);
        try
        {
            if (owns)
            {
                client._ownRouter = new Router(endpoint).Accept(Alpns.DirectMessages, client.ProtocolHandler);
                client._ownRouter.Start();
            }

            await client.AnnounceIfAddressChangedAsync(cancellationToken).ConfigureAwait(false);
            foreach (var peer in await options.Store.GetOutboxPeersAsync(cancellationToken).ConfigureAwait(false))
            {
                client.Channel(peer).Wake();
            }

            client.StartMailbox();

            Log.Started(client._logger, client.LocalId);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Adds <c>iroh-social/dm/1</c> to a router the app owns (call before the router starts).</summary>
    public Router Register(Router router)
    {
        ArgumentNullException.ThrowIfNull(router);
        return router.Accept(Alpns.DirectMessages, ProtocolHandler);
    }

    /// <summary>
    /// Remembers how to reach a peer (in memory; a send to an <see cref="EndpointAddr"/> also saves it in the
    /// store for later restarts) and retries its outbox right away.
    /// </summary>
    public void AddPeer(EndpointAddr address)
    {
        ArgumentNullException.ThrowIfNull(address);
        ThrowIfDisposed();
        _addresses[address.Id] = address;
        Channel(address.Id).Wake();
    }

    /// <summary>
    /// Queues a message durably and returns its id at once; the outbox delivers it (now, or when the peer is
    /// back). With attachments the peer must be reachable now: the message is delivered and each attachment
    /// uploaded before this returns. The address is remembered (in memory and in the store) for redials.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.TooLarge"/>, or with attachments
    /// <see cref="MessagingError.PeerUnreachable"/> / <see cref="MessagingError.AttachmentCorrupt"/>.</exception>
    public Task<string> SendMessageAsync(EndpointAddr peer, string content, IReadOnlyList<AttachmentSource>? attachments = null, string? replyTo = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ThrowIfDisposed();
        // Save the address only when it is new to this client (the store keeps the last one).
        var known = _addresses.TryGetValue(peer.Id, out var previous) && previous.Equals(peer);
        _addresses[peer.Id] = peer;
        return SendCoreAsync(peer.Id, known ? null : peer, content, attachments, replyTo, cancellationToken);
    }

    /// <summary>
    /// Sends to a peer known by id: one added with <see cref="AddPeer"/>, saved in the store from an earlier
    /// send, or currently connected to us (a reply goes back over the peer's own connection).
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.UnknownPeer"/> when none of these holds.</exception>
    public async Task<string> SendMessageAsync(EndpointId peer, string content, IReadOnlyList<AttachmentSource>? attachments = null, string? replyTo = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var address = await ResolveAsync(peer, cancellationToken).ConfigureAwait(false);
        if (address is null && !_connections.ContainsKey(peer))
        {
            throw new MessagingException(MessagingError.UnknownPeer, $"No address is known for {peer.ToShortString()} and it is not connected.");
        }

        // The address (if any) came from memory or the store: nothing new to save.
        return await SendCoreAsync(peer, null, content, attachments, replyTo, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> SendCoreAsync(EndpointId peer, EndpointAddr? address, string content, IReadOnlyList<AttachmentSource>? attachments, string? replyTo, CancellationToken cancellationToken)
    {
        // Queueing (and uploading attachments); the envelope itself leaves from the peer's outbox worker. No peer id,
        // message id or size on the activity (docs/security.md, "Telemetry"). One method, not a wrapper: a second async
        // state machine would cost every send an allocation even when nobody listens.
        using var activity = MessagingTelemetry.Source.StartActivity("irohsocial.send_message", ActivityKind.Producer);
        activity?.SetTag("irohsocial.dm.attachments", attachments?.Count ?? 0);
        try
        {
            ArgumentNullException.ThrowIfNull(content);
            if (peer == LocalId)
            {
                throw new ArgumentException("Cannot message yourself.", nameof(peer));
            }

            ThrowIfTooLong(content);
            if (replyTo is { Length: > Control.MaxIdLength })
            {
                throw new ArgumentException("replyTo is not a message id.", nameof(replyTo));
            }

            var id = _runtime.NewId();
            var now = _options.TimeProvider.GetUtcNow();
            // The sender's own copies of the attachments are sealed into the vault while they are hashed, so the app reads
            // them back like received ones (OpenAttachmentAsync) and never has to keep a clear copy of its own.
            var descriptors = attachments is { Count: > 0 } ? await DescribeAsync(attachments, (peer, id), cancellationToken).ConfigureAwait(false) : null;
            var stored = false;
            try
            {
                await StoreOutgoingAsync(peer, address, id, now, content, descriptors, replyTo, cancellationToken).ConfigureAwait(false);
                stored = true;
            }
            finally
            {
                if (!stored)
                {
                    DeleteOwnCopies(peer, id, descriptors);
                }
            }

            if (descriptors is null)
            {
                Channel(peer).Wake();
                return id;
            }

            var channel = Channel(peer);
            await channel.DeliverOutboxAsync(cancellationToken).ConfigureAwait(false);
            if ((await _options.Store.GetMessageAsync(id, cancellationToken).ConfigureAwait(false))?.Status is not (MessageStatus.Delivered or MessageStatus.Read))
            {
                channel.Wake();
                throw new MessagingException(MessagingError.PeerUnreachable, "The message is queued but its attachments could not be sent; the peer went away.");
            }

            for (var i = 0; i < descriptors.Count; i++)
            {
                var (descriptor, source) = (descriptors[i], attachments![i]);
                await UploadOnNewStreamAsync(peer, stream => channel.UploadAttachmentAsync(id, descriptor, source, stream, cancellationToken), cancellationToken).ConfigureAwait(false);
            }

            return id;
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", ex is MessagingException me ? me.Error.ToString() : ex.GetType().Name);
            throw;
        }
    }

    private void ThrowIfTooLong(string content)
    {
        if (content.Length > _options.MaxMessageLength)
        {
            throw new MessagingException(MessagingError.TooLarge, $"Message text is over {_options.MaxMessageLength} characters.");
        }
    }

    private void DeleteOwnCopies(EndpointId peer, string messageId, IReadOnlyList<AttachmentDescriptor>? descriptors)
    {
        foreach (var descriptor in descriptors ?? [])
        {
            File.Delete(_vault.PathFor(peer, messageId, descriptor.Id));
        }
    }

    /// <summary>Checks the message fits, makes sure the peer is reachable when attachments go with it, and stores message and outbox entry.</summary>
    private async Task StoreOutgoingAsync(
        EndpointId peer, EndpointAddr? address, string id, DateTimeOffset now, string content, IReadOnlyList<AttachmentDescriptor>? descriptors, string? replyTo, CancellationToken cancellationToken)
    {
        var operations = Outgoing(peer, address, id, now, content, descriptors, replyTo);
        if (descriptors is not null)
        {
            await Channel(peer).EnsureReachableAsync(cancellationToken).ConfigureAwait(false);
        }

        await _options.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The store operations of one outgoing message (message, outbox entry, a new address); refuses one that would not fit in a frame.</summary>
    private List<StoreOperation> Outgoing(
        EndpointId peer, EndpointAddr? address, string id, DateTimeOffset now, string content, IReadOnlyList<AttachmentDescriptor>? descriptors, string? replyTo)
    {
        var control = new MessageControl(id, content, now.ToUnixTimeMilliseconds(), descriptors, replyTo);
        var payload = control.ToJson();
        // Envelope = base64 of ciphertext (4/3) plus header fields; refuse what the peer would refuse.
        if ((payload.Length + 64) * 4 / 3 + 512 > _options.MaxFrameSize)
        {
            throw new MessagingException(MessagingError.TooLarge, "The message does not fit in one frame.");
        }

        var message = new StoredMessage(id, peer, MessageDirection.Outgoing, content, DateTimeOffset.FromUnixTimeMilliseconds(control.TimestampMs), replyTo,
            descriptors?.Select(d => new MediaAttachment(d.Id, d.Name, d.MimeType, d.Size, d.Sha256)).ToList() ?? [], MessageStatus.Pending);
        var operations = new List<StoreOperation>(4) { new InsertMessage(message), new EnqueueOutbox(new OutboxEntry(id, peer, payload, now, 0, now)) };
        if (address is not null)
        {
            operations.Insert(0, new SavePeerAddress(peer, address.ToTicket()));
            if (Interlocked.Exchange(ref _ownAddressRecorded, 1) == 0)
            {
                // A new contact learns our address now: remember which one, so a later change is announced.
                operations.Insert(0, new SavePeerAddress(LocalId, LocalAddress.ToTicket()));
            }
        }

        return operations;
    }

    /// <summary>
    /// Sizes and hashes the attachments; with <paramref name="ownCopyOf"/> (a direct message) each is also sealed into the
    /// vault under (peer, message id, attachment id) as it is read. On failure no copy is left behind.
    /// </summary>
    private async Task<IReadOnlyList<AttachmentDescriptor>> DescribeAsync(
        IReadOnlyList<AttachmentSource> attachments, (EndpointId Peer, string MessageId)? ownCopyOf, CancellationToken cancellationToken)
    {
        var result = new List<AttachmentDescriptor>(attachments.Count);
        var done = false;
        try
        {
            for (var i = 0; i < attachments.Count; i++)
            {
                result.Add(await DescribeOneAsync(attachments[i] ?? throw new ArgumentException("Null attachment.", nameof(attachments)), $"a{i}", ownCopyOf, cancellationToken).ConfigureAwait(false));
            }

            done = true;
            return result;
        }
        finally
        {
            if (!done && ownCopyOf is { } copy)
            {
                DeleteOwnCopies(copy.Peer, copy.MessageId, result);
            }
        }
    }

    private async Task<AttachmentDescriptor> DescribeOneAsync(AttachmentSource source, string attachmentId, (EndpointId Peer, string MessageId)? ownCopyOf, CancellationToken cancellationToken)
    {
        var input = source.OpenRead();
        await using (input.ConfigureAwait(false))
        {
            using var copy = ownCopyOf is { } target ? _vault.CreateWriter(target.Peer, target.MessageId, attachmentId) : null;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            long size = 0;
            int read;
            while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                size += read;
                if (size > _options.MaxAttachmentSize)
                {
                    throw new MessagingException(MessagingError.TooLarge, $"Attachment '{source.Name}' is over {_options.MaxAttachmentSize} bytes.");
                }

                hash.AppendData(buffer, 0, read);
                if (copy is not null)
                {
                    await copy.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }

            CryptographicOperations.ZeroMemory(buffer);
            if (copy is not null)
            {
                await copy.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return new AttachmentDescriptor(attachmentId, source.Name, source.MimeType, size, Convert.ToHexStringLower(hash.GetHashAndReset()), RandomNumberGenerator.GetBytes(32));
        }
    }

    /// <summary>Conversations with at least one message, newest first, with unread counts.</summary>
    public async Task<IReadOnlyList<Conversation>> GetConversationsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var summaries = await _options.Store.GetConversationsAsync(cancellationToken).ConfigureAwait(false);
        return summaries.Select(s => new Conversation(s.Peer, ConversationId.Compute(LocalId, s.Peer), s.LastMessage, s.UnreadCount)).ToList();
    }

    /// <summary>
    /// The newest <paramref name="limit"/> messages with <paramref name="peer"/>, oldest first. To page back, pass the
    /// id of the oldest message of the previous page as <paramref name="beforeMessageId"/>: every message is then
    /// visited exactly once, also where several share a timestamp (ordered by arrival).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="beforeMessageId"/> was never stored in this conversation.</exception>
    public async Task<IReadOnlyList<StoredMessage>> GetMessagesAsync(EndpointId peer, int limit = 50, string? beforeMessageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ThrowIfDisposed();
        return await _options.Store.GetMessagesAsync(peer, limit, beforeMessageId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks every unread message from <paramref name="peer"/> read and queues a read receipt for it (durable,
    /// delivered like a message). Returns how many were marked.
    /// </summary>
    public async Task<int> MarkReadAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var unread = await _options.Store.GetUnreadMessageIdsAsync(peer, cancellationToken).ConfigureAwait(false);
        if (unread.Count == 0)
        {
            return 0;
        }

        var operations = new List<StoreOperation>(unread.Count + 1);
        operations.AddRange(unread.Select(id => new SetMessageStatus(peer, id, MessageStatus.Read)));
        // Receipts are chunked so each stays far below the frame limit.
        var now = _options.TimeProvider.GetUtcNow();
        foreach (var chunk in unread.Chunk(500))
        {
            var receipt = new ReadControl(_runtime.NewId(), chunk);
            operations.Add(new EnqueueOutbox(new OutboxEntry(receipt.Id, peer, receipt.ToJson(), now, 0, now)));
        }

        await _options.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
        Channel(peer).Wake();
        return unread.Count;
    }

    /// <summary>
    /// Deletes a message here and (through the outbox) at the peer. A message still waiting in the outbox is
    /// never sent. Returns false when no such message exists.
    /// </summary>
    public async Task<bool> DeleteMessageAsync(string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ThrowIfDisposed();
        var message = await _options.Store.GetMessageAsync(messageId, cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return false;
        }

        var now = _options.TimeProvider.GetUtcNow();
        var delete = new DeleteControl(_runtime.NewId(), messageId);
        await _options.Store.ApplyAsync(
            [new RemoveMessage(message.Peer, messageId), new RemoveOutbox(message.Peer, messageId), new EnqueueOutbox(new OutboxEntry(delete.Id, message.Peer, delete.ToJson(), now, 0, now))],
            cancellationToken).ConfigureAwait(false);
        Channel(message.Peer).Wake();
        return true;
    }

    /// <summary>Tells the peer we are typing (best effort: not queued; fails when the peer is unreachable).</summary>
    public async Task SendTypingAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await Channel(peer).SendAndWaitAsync([new TypingControl(_runtime.NewId())], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Tries to deliver every queued entry now, whatever the backoff says. Entries that fail stay queued.
    /// </summary>
    public async Task<OutboxFlushResult> FlushOutboxAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var peers = await _options.Store.GetOutboxPeersAsync(cancellationToken).ConfigureAwait(false);
        var results = await Task.WhenAll(peers.Select(p => Channel(p).DeliverOutboxAsync(cancellationToken))).ConfigureAwait(false);
        return new OutboxFlushResult(results.Sum(r => r.Sent), results.Sum(r => r.Failed));
    }

    /// <summary>
    /// Opens a received attachment, or one this client sent in a direct message (its own copy, sealed while it was
    /// hashed for sending), for reading. Attachments are kept sealed at rest (see docs/security.md); the
    /// returned stream decrypts them as it is read and throws <see cref="MessagingException"/>
    /// (<see cref="MessagingError.AttachmentCorrupt"/>) if the file was altered or cut.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.AttachmentNotFound"/> when none was received or sent under these ids.</exception>
    public Task<Stream> OpenAttachmentAsync(EndpointId peer, string messageId, string attachmentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(attachmentId);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_vault.OpenRead(peer, messageId, attachmentId));
    }

    private long OutboxDepth()
    {
        long depth = 0;
        foreach (var channel in _channels.Values)
        {
            depth += channel.OutboxDepth;
        }

        return depth;
    }

    private PeerChannel Channel(EndpointId peer) => _channels.GetOrAdd(peer, static (p, rt) => new PeerChannel(rt, p), _runtime);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Stops workers and links; disposes the endpoint and router only when the client created them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _endpoint.NetworkChanged -= OnNetworkChanged;
        await _shutdown.CancelAsync().ConfigureAwait(false);
        if (_ownRouter is not null)
        {
            await _ownRouter.DisposeAsync().ConfigureAwait(false);
        }

        await StopMailboxAsync().ConfigureAwait(false);
        foreach (var channel in _channels.Values)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var connection in _connections.Values)
        {
            await CloseQuietlyAsync(connection).ConfigureAwait(false);
        }

        if (_ownsEndpoint)
        {
            await _endpoint.DisposeAsync().ConfigureAwait(false);
        }

        _hub.Complete();
        _shutdown.Dispose();
        _stopAccepting.Dispose();
        _vault.Dispose();
        _sealer.Dispose();
        _runtime.Telemetry.Dispose();
    }
}
