using System.Collections.Concurrent;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Internal.Addresses;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Messaging;

/// <summary>
/// Addresses between contacts: the encrypted <c>peer.address</c> control tells a peer how to reach us now (our direct
/// addresses and home relay). It is sent when a conversation runs through a relay, so the peer can try a direct path,
/// and to every contact when our address changed since we last told them (a new port, a new relay). A peer's update
/// replaces its stored address; when the conversation with it is relayed, a direct dial is tried, and once one proves
/// the peer's id, new streams use it and the relayed connection is closed when idle (docs/protocol.md section 10.7).
/// </summary>
public sealed partial class DmClient
{
    // The peer with the larger id waits this long before dialing direct itself, so usually only one side dials.
    private static readonly TimeSpan DirectDialTieBreak = TimeSpan.FromSeconds(1);

    // A relayed connection left behind is closed once idle, or after this long whatever is still on it (the outbox
    // resends anything unacknowledged over the direct path).
    private static readonly TimeSpan RelayedLeftoverLimit = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan IdleCheckInterval = TimeSpan.FromMilliseconds(200);

    private readonly ConcurrentDictionary<EndpointId, string> _announcedOverRelay = new();
    private readonly ConcurrentDictionary<EndpointId, long> _newestAddressIssued = new();
    private readonly ConcurrentDictionary<EndpointId, byte> _dialingDirect = new();
    private readonly ConcurrentDictionary<EndpointId, EndpointAddr> _learned = new();
    private readonly ConcurrentDictionary<Connection, int> _streamsInUse = new();
    private int _ownAddressRecorded;

    /// <summary>
    /// Tells every contact (each peer with a conversation) how to reach this client now: an encrypted
    /// <c>peer.address</c> control queued in each outbox, delivered like a message. <see cref="StartAsync"/> does this by
    /// itself when the address differs from the one last announced (a new port or relay); call it after changing
    /// networks. Returns how many contacts it was queued for.
    /// </summary>
    public async Task<int> AnnounceAddressAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var contacts = (await _options.Store.GetConversationsAsync(cancellationToken).ConfigureAwait(false))
            .Select(c => c.Peer).Where(p => p != LocalId).Distinct().ToArray();
        var now = _options.TimeProvider.GetUtcNow();
        var body = OwnAddressBody(now);
        var operations = new List<StoreOperation>();
        foreach (var peer in contacts)
        {
            // At most one update waits per contact: a newer one supersedes what an away contact has not received yet.
            foreach (var entry in await _options.Store.GetOutboxAsync(peer, cancellationToken).ConfigureAwait(false))
            {
                if (IsAddressUpdate(entry.Payload))
                {
                    operations.Add(new RemoveOutbox(peer, entry.Id));
                }
            }

            operations.Add(QueueControl(peer, ControlRegistry.Wrap(_runtime.NewId(), AddressKinds.Update, body), now));
        }

        // Our own row in the address book: what contacts were last told, to notice the next change.
        operations.Add(new SavePeerAddress(LocalId, LocalAddress.ToTicket()));
        await _options.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
        WakeOutbox(contacts);
        Log.AddressAnnounced(_logger, contacts.Length, LocalAddress.DirectAddresses.Count, LocalAddress.RelayUrl is not null);
        return contacts.Length;
    }

    private void RegisterAddressControl() => _runtime.Controls.Register(AddressKinds.Update, OnAddressUpdateAsync);

    /// <summary>
    /// At start: announce when our address is not the one contacts were last told (on an OS-picked port: only when the
    /// relay changed). Without a record (a new store, or one
    /// from before address updates) contacts have the address they were given, most likely this one: only record it,
    /// and only once there are contacts (a store without conversations gets no write).
    /// </summary>
    private async Task AnnounceIfAddressChangedAsync(CancellationToken cancellationToken)
    {
        var previous = await _options.Store.GetPeerAddressAsync(LocalId, cancellationToken).ConfigureAwait(false);
        _ownAddressRecorded = previous is null ? 0 : 1;
        if (previous is null)
        {
            if ((await _options.Store.GetConversationsAsync(cancellationToken).ConfigureAwait(false)).Count > 0)
            {
                await _options.Store.ApplyAsync([new SavePeerAddress(LocalId, LocalAddress.ToTicket())], cancellationToken).ConfigureAwait(false);
                _ownAddressRecorded = 1;
            }

            return;
        }

        // An endpoint on an OS-picked port gets a new one each run: announcing it would chase a moving target (every
        // `irohsocial send` would tell all contacts). Such a node is reached through its relay, and conversations that
        // run through the relay swap direct addresses anyway; only a relay or mailbox change is announced for it.
        if (EndpointAddr.TryParseTicket(previous, out var told)
            && (SameReach(told, LocalAddress)
                || (_endpoint.HasEphemeralPort && Equals(told.RelayUrl, LocalAddress.RelayUrl) && Equals(told.Mailbox, LocalAddress.Mailbox))))
        {
            if (!SameReach(told, LocalAddress))
            {
                await _options.Store.ApplyAsync([new SavePeerAddress(LocalId, LocalAddress.ToTicket())], cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        Log.AddressChanged(_logger, told?.ToString() ?? "unreadable", LocalAddress.ToString());
        await AnnounceAddressAsync(cancellationToken).ConfigureAwait(false);
    }

    private static bool IsAddressUpdate(byte[] payload)
    {
        try
        {
            return Control.Parse(payload) is ExtensionControl { Kind: var kind } && kind == AddressKinds.Update.Name;
        }
        catch (Exception ex) when (ex is MessagingException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static bool SameReach(EndpointAddr a, EndpointAddr b) =>
        a.DirectAddresses.ToHashSet().SetEquals(b.DirectAddresses) && Equals(a.RelayUrl, b.RelayUrl) && Equals(a.Mailbox, b.Mailbox);

    private AddressUpdateBody OwnAddressBody(DateTimeOffset now)
    {
        var relays = RelayAddress.FromUri(LocalAddress.RelayUrl) is { } relay ? new[] { relay } : [];
        return AddressUpdateBody.For(LocalAddress, relays, _options.ShareDirectAddresses, now);
    }

    /// <summary>A conversation runs through a relay: tell the peer our direct addresses (once per address and peer per run).</summary>
    private void AnnounceOverRelay(EndpointId peer)
    {
        if (!_options.ShareDirectAddresses || LocalAddress.DirectAddresses.Count == 0 || _shutdown.IsCancellationRequested)
        {
            return;
        }

        var ticket = LocalAddress.ToTicket();
        if (_announcedOverRelay.TryGetValue(peer, out var told) && told == ticket)
        {
            return;
        }

        _announcedOverRelay[peer] = ticket;
        _ = Task.Run(async () =>
        {
            try
            {
                await SendControlAsync(peer, AddressKinds.Update, OwnAddressBody(_options.TimeProvider.GetUtcNow()), ControlDelivery.Queued, _shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MessagingException or ObjectDisposedException or OperationCanceledException)
            {
                _announcedOverRelay.TryRemove(new KeyValuePair<EndpointId, string>(peer, ticket));
            }
        });
    }

    private async ValueTask OnAddressUpdateAsync(ControlContext context, AddressUpdateBody body, CancellationToken cancellationToken)
    {
        var peer = context.Peer;
        // A body from an older sender says nothing about its mailbox: the one we knew stays.
        var knownMailbox = body.TryGetMailbox(out _) ? null : (await ResolveAsync(peer, cancellationToken).ConfigureAwait(false))?.Mailbox;
        var addr = body.ToAddr(peer, knownMailbox);
        if (addr is null)
        {
            Log.AddressUpdateIgnored(_logger, peer, "no usable address or an unknown version");
            return;
        }

        if (_newestAddressIssued.TryGetValue(peer, out var newest) && body.IssuedMs < newest)
        {
            Log.AddressUpdateIgnored(_logger, peer, "older than one already applied");
            return;
        }

        context.Store(new SavePeerAddress(peer, addr.ToTicket()));
        context.AfterCommit(() =>
        {
            _newestAddressIssued.AddOrUpdate(peer, body.IssuedMs, (_, seen) => Math.Max(seen, body.IssuedMs));
            _addresses[peer] = addr;
            _learned[peer] = addr;
            Log.AddressUpdated(_logger, peer, addr.DirectAddresses.Count, addr.RelayUrl is not null);
            _ = Task.Run(() => TryGoDirectAsync(peer, addr));
        });
    }

    /// <summary>
    /// The newest address known for <paramref name="peer"/> in this run (from a send, <see cref="AddPeer"/>, the store or
    /// the peer's own <c>peer.address</c> update), or null. Calls dial it so their next leg takes a direct path the
    /// conversation has found.
    /// </summary>
    public EndpointAddr? GetKnownAddress(EndpointId peer) =>
        _addresses.TryGetValue(peer, out var addr) ? WithLearned(addr) : _learned.GetValueOrDefault(peer);

    /// <summary>
    /// An address the app gave (a ticket, perhaps old) merged with what the peer itself told us this run: its direct
    /// addresses first, then the ticket's; its relay unless it named none; its mailbox (the peer's word is newer than a ticket).
    /// </summary>
    private EndpointAddr WithLearned(EndpointAddr given)
    {
        if (!_learned.TryGetValue(given.Id, out var learned) || learned.Equals(given))
        {
            return given;
        }

        var direct = learned.DirectAddresses.Concat(given.DirectAddresses).Distinct().Take(AddressUpdateBody.MaxEntries).ToArray();
        return new EndpointAddr(given.Id, direct, learned.RelayUrl ?? given.RelayUrl) { Mailbox = learned.Mailbox };
    }

    /// <summary>When the conversation with <paramref name="peer"/> is relayed, dial its direct addresses; the connection that proves its id takes over.</summary>
    private async Task TryGoDirectAsync(EndpointId peer, EndpointAddr addr)
    {
        if (addr.DirectAddresses.Count == 0 || !IsRelayedNow(peer) || !_dialingDirect.TryAdd(peer, 0))
        {
            return;
        }

        try
        {
            if (LocalId.CompareTo(peer) > 0)
            {
                await Task.Delay(DirectDialTieBreak, _options.TimeProvider, _shutdown.Token).ConfigureAwait(false);
                if (!IsRelayedNow(peer))
                {
                    return; // the peer got there first
                }
            }

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            attempt.CancelAfter(EndpointOptions.DefaultHandshakeTimeout * 2);
            var direct = await _endpoint.ConnectDirectAsync(addr with { RelayUrl = null }, Alpns.DirectMessages, attempt.Token).ConfigureAwait(false);
            Log.WentDirect(_logger, peer, direct.Path);
            Track(peer, direct);
            _ = Task.Run(() => ServeConnectionAsync(direct, _shutdown.Token));
        }
        catch (Exception ex) when (ex is TransportException or OperationCanceledException)
        {
            if (!_shutdown.IsCancellationRequested)
            {
                Log.DirectPathFailed(_logger, peer, ex.Message);
            }
        }
        finally
        {
            _dialingDirect.TryRemove(peer, out _);
        }
    }

    private bool IsRelayedNow(EndpointId peer) =>
        _connections.TryGetValue(peer, out var current) && current.Path == ConnectionPath.Relay && !current.Closed.IsCompleted;

    /// <summary>
    /// A direct connection replaced <paramref name="relayed"/>: move our envelope stream over as soon as nothing sent on
    /// the old one awaits its acknowledgement (so order holds), then close the relayed connection once no stream is left
    /// on it (the peer moves its own stream the same way), or after <see cref="RelayedLeftoverLimit"/>.
    /// </summary>
    private async Task MoveOffRelayAsync(EndpointId peer, Connection relayed, Connection direct)
    {
        var time = _options.TimeProvider;
        var giveUpAt = time.GetUtcNow() + RelayedLeftoverLimit;
        var moved = false;
        try
        {
            while (!relayed.Closed.IsCompleted && time.GetUtcNow() < giveUpAt)
            {
                if (direct.Closed.IsCompleted)
                {
                    return; // the direct path broke first: leave the relayed connection to its peer and idle timeout
                }

                moved = moved || await Channel(peer).TryMoveLinkAsync(_shutdown.Token).ConfigureAwait(false);
                if (moved && StreamsInUse(relayed) == 0)
                {
                    break;
                }

                await Task.Delay(IdleCheckInterval, time, _shutdown.Token).ConfigureAwait(false);
            }

            Log.RelayedClosed(_logger, peer, moved && StreamsInUse(relayed) == 0);
            await CloseQuietlyAsync(relayed, "moved to a direct path").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MessagingException or TransportException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // shutting down, or the direct path failed while moving: the outbox redials as usual
        }
    }

    private void EnterUse(Connection connection) => _streamsInUse.AddOrUpdate(connection, 1, (_, n) => n + 1);

    private void ExitUse(Connection connection)
    {
        if (_streamsInUse.AddOrUpdate(connection, 0, (_, n) => n - 1) <= 0)
        {
            _streamsInUse.TryRemove(new KeyValuePair<Connection, int>(connection, 0));
        }
    }

    private int StreamsInUse(Connection connection) => _streamsInUse.TryGetValue(connection, out var n) ? n : 0;
}
