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
            return address;
        }

        var ticket = await _options.Store.GetPeerAddressAsync(peer, cancellationToken).ConfigureAwait(false);
        if (ticket is not null && EndpointAddr.TryParseTicket(ticket, out var stored))
        {
            _addresses.TryAdd(peer, stored);
            return stored;
        }

        return null;
    }

    private Task<Stream> OpenEnvelopeStreamAsync(EndpointId peer, CancellationToken cancellationToken) =>
        OpenStreamAsync(peer, StreamKind.Envelopes, cancellationToken);

    /// <summary>
    /// Opens a stream of <paramref name="kind"/> to the peer, reusing a live connection in either direction
    /// (the conversation keeps one open) and dialing only when there is none.
    /// </summary>
    private async Task<Stream> OpenStreamAsync(EndpointId peer, StreamKind kind, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var connection = await GetConnectionAsync(peer, cancellationToken).ConfigureAwait(false);
            try
            {
                var stream = await connection.OpenBidirectionalStreamAsync(cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(new[] { (byte)kind }, cancellationToken).ConfigureAwait(false);
                return stream;
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

    private void Track(EndpointId peer, Connection connection)
    {
        _connections.AddOrUpdate(peer, connection, (_, _) => connection);
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
                streams.Add(Task.Run(() => ServeStreamAsync(channel, stream, cancellationToken, stopAccepting), CancellationToken.None));
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

    private static async Task CloseQuietlyAsync(Connection connection)
    {
        try
        {
            await connection.CloseAsync(0, "dm client closing").ConfigureAwait(false);
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

        public ValueTask ShutdownAsync(CancellationToken cancellationToken) => new(client._stopAccepting.CancelAsync());
    }
}
