using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal;
using IrohSocial.Transport;

namespace IrohSocial.Messaging;

/// <summary>
/// Network changes (<see cref="Endpoint.NetworkChanged"/>): every DM connection may now run over a path that died
/// without a word (no FIN, no RST; the transport would notice only at its idle timeout), so they are all dropped, the
/// outbound envelope links on them are failed (what waited for an acknowledgement is resent), the contacts are told the
/// new address when it changed, and every outbox with something queued retries at once instead of after its backoff.
/// The own mailbox is watched and fetched again over a new connection (the old one may be just as dead); the mailbox
/// clients that deposits go through drop their connections themselves. A connection that was in fact healthy costs one
/// redial; anything unacknowledged is resent.
/// </summary>
public sealed partial class DmClient
{
    /// <summary>
    /// Tells the client that the path to <paramref name="peer"/> died without the transport noticing yet (another protocol
    /// with the same peer saw its traffic stop: calls do after <c>CallOptions.DeadPathTimeout</c>). The DM connection to
    /// the peer is dropped, what waited for its acknowledgement fails, and the peer's outbox retries at once over a new
    /// connection (dialled at the freshest known address).
    /// </summary>
    public void ReportPathDead(EndpointId peer)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (_connections.TryRemove(peer, out var connection))
        {
            _ = CloseQuietlyAsync(connection, "path dead"); // closing waits for the peer: not on a dead path
        }

        ResendOverANewLink(peer, "The path to the peer died.");

        Log.PathDeadReported(_logger, peer, connection is not null);
    }

    /// <summary>
    /// Fails the peer's envelope link (what waited for its acknowledgement is resent; the peer drops duplicates by id) and
    /// has its outbox retry now, over a new link on the connection that is current by then.
    /// </summary>
    private void ResendOverANewLink(EndpointId peer, string why)
    {
        if (_channels.TryGetValue(peer, out var channel))
        {
            channel.DropLink(new MessagingException(MessagingError.PeerUnreachable, why));
            channel.Wake();
        }
    }

    private void OnNetworkChanged(object? sender, NetworkChangedEventArgs e)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _ = Task.Run(() => RecoverFromNetworkChangeAsync(e.AddressChanged));
        }
    }

    private async Task RecoverFromNetworkChangeAsync(bool addressChanged)
    {
        try
        {
            Volatile.Read(ref _inbox)?.Renew();
            var dropped = 0;
            foreach (var (peer, connection) in _connections.ToArray())
            {
                if (_connections.TryRemove(new KeyValuePair<EndpointId, Connection>(peer, connection)))
                {
                    dropped++;
                    _ = CloseQuietlyAsync(connection, "network changed"); // closing waits for the peer: not on a dead path
                }
            }

            var reason = new MessagingException(MessagingError.PeerUnreachable, "The network changed.");
            foreach (var channel in _channels.Values)
            {
                channel.DropLink(reason);
            }

            if (addressChanged)
            {
                await AnnounceAddressAsync(_shutdown.Token).ConfigureAwait(false); // wakes each contact's outbox too
            }

            var waiting = await _options.Store.GetOutboxPeersAsync(_shutdown.Token).ConfigureAwait(false);
            WakeOutbox(waiting);
            Log.NetworkRecovery(_logger, dropped, waiting.Count, addressChanged);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && _shutdown.IsCancellationRequested)
        {
            // shutting down
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.NetworkRecoveryFailed(_logger, ex);
        }
    }
}
