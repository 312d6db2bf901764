using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal;
using IrohSocial.Transport;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    private async Task<EndpointAddr?> ResolveAsync(EndpointId peer, CancellationToken cancellationToken)
    {
        if (_addresses.TryGetValue(peer, out var address))
        {
            return WithLearned(address);
        }

        var ticket = await _options.Store.GetPeerAddressAsync(peer, cancellationToken).ConfigureAwait(false);
        if (ticket is not null && EndpointAddr.TryParseTicket(ticket, out var stored))
        {
            _addresses.TryAdd(peer, stored);
            return stored;
        }

        // Never heard of it, but it is on the LAN now: a hint only (not kept), the handshake proves the id.
        return _endpoint.LocalDiscovery?.Find(peer, TimeSpan.FromMinutes(2)) is { } local ? new EndpointAddr(peer, local.Addresses) : null;
    }

    private async Task<Stream> OpenEnvelopeStreamAsync(EndpointId peer, CancellationToken cancellationToken) =>
        (await OpenStreamAsync(peer, StreamKind.Envelopes, cancellationToken).ConfigureAwait(false)).Stream;

    /// <summary>
    /// Uploads one attachment on a stream of its own; the connection counts as in use until the upload ends, so a
    /// relayed connection being replaced by a direct one is not closed under it.
    /// </summary>
    private async Task UploadOnNewStreamAsync(EndpointId peer, Func<Stream, Task> upload, CancellationToken cancellationToken)
    {
        var (stream, via) = await OpenStreamAsync(peer, StreamKind.Attachment, cancellationToken).ConfigureAwait(false);
        EnterUse(via);
        try
        {
            await upload(stream).ConfigureAwait(false);
        }
        finally
        {
            ExitUse(via);
        }
    }

    /// <summary>
    /// Opens a stream of <paramref name="kind"/> to the peer, reusing a live connection in either direction
    /// (the conversation keeps one open) and dialing only when there is none.
    /// </summary>
    private async Task<(Stream Stream, Connection Via)> OpenStreamAsync(EndpointId peer, StreamKind kind, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var connection = await GetConnectionAsync(peer, cancellationToken).ConfigureAwait(false);
            try
            {
                var stream = await connection.OpenBidirectionalStreamAsync(cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(new[] { (byte)kind }, cancellationToken).ConfigureAwait(false);
                return (stream, connection);
            }
            catch (Exception ex) when (attempt == 0 && ex is TransportException or IOException or ObjectDisposedException)
            {
                // A connection that died quietly: forget it and dial once more.
                _connections.TryRemove(new KeyValuePair<EndpointId, Connection>(peer, connection));
            }
        }
    }

    private async Task<Connection> GetConnectionAsync(EndpointId peer, CancellationToken cancellationToken)
    {
        if (_connections.TryGetValue(peer, out var existing) && !existing.Closed.IsCompleted)
        {
            return existing;
        }

        var address = await ResolveAsync(peer, cancellationToken).ConfigureAwait(false)
            ?? throw new MessagingException(MessagingError.UnknownPeer, $"No address is known for {peer.ToShortString()}.");
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var connection = await _endpoint.ConnectAsync(address, Alpns.DirectMessages, linked.Token).ConfigureAwait(false);
        Track(peer, connection);
        // The peer may open streams on the connection we dialed too.
        _ = Task.Run(() => ServeConnectionAsync(connection, _shutdown.Token));
        return connection;
    }

    /// <summary>
    /// Makes <paramref name="connection"/> the one new streams to <paramref name="peer"/> use. A relayed connection never
    /// displaces a live direct one; a direct one that displaces a relayed one moves the conversation off the relay (see
    /// DmClient.Addresses.cs); a relayed one makes us tell the peer our direct addresses so it can try them.
    /// </summary>
    private void Track(EndpointId peer, Connection connection)
    {
        Connection? replaced = null;
        while (true)
        {
            if (!_connections.TryGetValue(peer, out var existing))
            {
                if (_connections.TryAdd(peer, connection))
                {
                    break;
                }

                continue;
            }

            if (ReferenceEquals(existing, connection))
            {
                return;
            }

            if (connection.Path == ConnectionPath.Relay && existing.Path != ConnectionPath.Relay && !existing.Closed.IsCompleted)
            {
                return;
            }

            if (_connections.TryUpdate(peer, connection, existing))
            {
                replaced = existing;
                break;
            }
        }

        if (connection.Path == ConnectionPath.Relay)
        {
            AnnounceOverRelay(peer);
        }
        else if (replaced is { Path: ConnectionPath.Relay } && !replaced.Closed.IsCompleted)
        {
            _ = Task.Run(() => MoveOffRelayAsync(peer, replaced, connection));
        }
        else if (replaced is not null && !replaced.Closed.IsCompleted)
        {
            _ = Task.Run(() => LeaveReplacedDirectConnectionAsync(peer, replaced, connection));
        }
    }

    /// <summary>How long a replacing connection must stay open before the one it replaced is given up.</summary>
    private static readonly TimeSpan ReplacedGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A second direct connection with the peer replaced a first one that looks alive. Either the peer dialled again
    /// because it lost ours (its network changed, or it saw the path die), and the first connection may run over a path
    /// that died without a word, where our envelope link would wait for acknowledgements until the transport's idle
    /// timeout; or the new one is the loser of the peer's dial race (two of its addresses or paths both completed), which
    /// the peer closes at once. So: if the new connection closes within <see cref="ReplacedGrace"/>, the first one is
    /// current again; if it stays, the link on the first one is failed, what waited on it is resent over the new
    /// connection (the peer drops duplicates by id), and the first connection is left to close when idle.
    /// </summary>
    private async Task LeaveReplacedDirectConnectionAsync(EndpointId peer, Connection replaced, Connection replacement)
    {
        try
        {
            var grace = Task.Delay(ReplacedGrace, _options.TimeProvider, _shutdown.Token);
            if (await Task.WhenAny(replacement.Closed, grace).ConfigureAwait(false) == replacement.Closed)
            {
                if (!replaced.Closed.IsCompleted && (_connections.TryUpdate(peer, replaced, replacement) || _connections.TryAdd(peer, replaced)))
                {
                    Log.ReplacementClosedAtOnce(_logger, peer);
                }

                return;
            }

            if (_shutdown.IsCancellationRequested || replaced.Closed.IsCompleted
                || !_connections.TryGetValue(peer, out var current) || !ReferenceEquals(current, replacement))
            {
                return;
            }

            ResendOverANewLink(peer, "A new connection with the peer replaced this one.");

            Log.DirectConnectionReplaced(_logger, peer, replaced.Path);
        }
        catch (ObjectDisposedException) when (_shutdown.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>
    /// Accepts the peer's streams on a connection (inbound or dialed) until it closes or <paramref name="stopAccepting"/>
    /// fires; then waits for the streams already accepted.
    /// </summary>
    private async Task ServeConnectionAsync(Connection connection, CancellationToken cancellationToken, CancellationToken stopAccepting = default)
    {
        var peer = connection.RemoteId;
        var channel = Channel(peer);
        var streams = new List<Task>();
        using var accepting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopAccepting);
        try
        {
            while (!accepting.IsCancellationRequested)
            {
                // Throws once the connection is closed; that ends the loop.
                var stream = await connection.AcceptStreamAsync(accepting.Token).ConfigureAwait(false);
                EnterUse(connection);
                streams.Add(Task.Run(
                    async () =>
                    {
                        try
                        {
                            await ServeStreamAsync(channel, stream, cancellationToken, stopAccepting).ConfigureAwait(false);
                        }
                        finally
                        {
                            ExitUse(connection);
                        }
                    },
                    CancellationToken.None));
                streams.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (Exception ex)
        {
            // Whatever ended the connection ends only its loop; the outbox redials when needed.
            if (!accepting.IsCancellationRequested && ex is not TransportException)
            {
                Log.ConnectionFailed(_logger, peer, ex);
            }
        }
        finally
        {
            _connections.TryRemove(new KeyValuePair<EndpointId, Connection>(peer, connection));
        }

        await Task.WhenAll(streams).ConfigureAwait(false);
    }

    private async Task ServeStreamAsync(PeerChannel channel, TransportStream stream, CancellationToken cancellationToken, CancellationToken stopReading)
    {
        try
        {
            var kind = new byte[1];
            if (await stream.ReadAtLeastAsync(kind, 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == 0)
            {
                return;
            }

            switch ((StreamKind)kind[0])
            {
                case StreamKind.Envelopes:
                    await channel.ServeEnvelopeStreamAsync(stream, cancellationToken, stopReading).ConfigureAwait(false);
                    stream.CompleteWrites();
                    break;
                case StreamKind.Attachment:
                    await channel.ReceiveAttachmentAsync(stream, cancellationToken).ConfigureAwait(false);
                    stream.CompleteWrites();
                    break;
                default:
                    throw new MessagingException(MessagingError.MalformedFrame, $"Unknown stream kind 0x{kind[0]:x2}.");
            }
        }
        catch (MessagingException ex)
        {
            Log.RejectedStream(_logger, channel.Peer, ex.Error, ex.Message);
            stream.Abort((int)ex.Error);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Store failures and broken streams end this stream only; the peer retries.
            Log.ConnectionFailed(_logger, channel.Peer, ex);
            stream.Abort(0);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task CloseQuietlyAsync(Connection connection, string reason = "dm client closing")
    {
        try
        {
            await connection.CloseAsync(0, reason).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Already gone.
        }
    }

    /// <summary>The router-facing side: every inbound connection counts as "peer seen".</summary>
    private sealed class DmProtocolHandler(DmClient client) : IProtocolHandler
    {
        public async Task HandleConnectionAsync(Connection connection, CancellationToken cancellationToken)
        {
            client.Track(connection.RemoteId, connection);
            client.Channel(connection.RemoteId).Wake();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, client._shutdown.Token);
            await client.ServeConnectionAsync(connection, linked.Token, client._stopAccepting.Token).ConfigureAwait(false);
        }

        // An app that owns the router may dispose the client first: its connections are closed already then.
        public ValueTask ShutdownAsync(CancellationToken cancellationToken) =>
            Volatile.Read(ref client._disposed) != 0 ? ValueTask.CompletedTask : new(client._stopAccepting.CancelAsync());
    }
}
