using System.Runtime.CompilerServices;
using IrohSocial.Crypto;
using IrohSocial.Mailbox.Internal;
using IrohSocial.Transport;

namespace IrohSocial.Mailbox;

/// <summary>
/// Talks <c>iroh-social/mailbox/1</c> to one mailbox host through a local <see cref="Endpoint"/> (not owned): as a
/// depositor (<see cref="DepositAsync"/>) for any owner, and as the owner of the mailbox that belongs to the endpoint's
/// identity (list, get, acknowledge, watch, allowed depositors, stats). One connection is kept and redialed when it
/// drops; every request runs on its own stream. When the endpoint reports a network change
/// (<see cref="Endpoint.NetworkChanged"/>) the connection is dropped, since it may run over a path that died without a
/// word: requests waiting on it fail at once with <see cref="MailboxError.Unreachable"/>, a running
/// <see cref="WatchAsync"/> ends the same way (watch again), and the next request redials.
/// </summary>
public sealed class MailboxClient : IAsyncDisposable
{
    private readonly Endpoint _endpoint;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private Connection? _connection;

    // Cancelled and replaced when the connection is dropped on a network change: what waits on the old connection gives
    // up at once instead of when its close gives up (a close on a dead path waits for the peer, 5 s over TCP).
    private CancellationTokenSource _generation = new();
    private int _disposed;

    /// <summary>Creates a client of the mailbox at <paramref name="mailbox"/>; nothing is dialed until the first request.</summary>
    public MailboxClient(Endpoint endpoint, EndpointAddr mailbox)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(mailbox);
        _endpoint = endpoint;
        Address = mailbox;
        _endpoint.NetworkChanged += OnNetworkChanged;
    }

    /// <summary>The mailbox host this client talks to.</summary>
    public EndpointAddr Address { get; }

    /// <summary>
    /// Deposits <paramref name="blob"/> (pad it first with <see cref="MailboxPadding"/>) for <paramref name="owner"/>
    /// under <paramref name="id"/>. Retrying with the same id is safe: it answers <see cref="DepositResult.Exists"/>.
    /// </summary>
    /// <exception cref="MailboxException"><see cref="MailboxError.Refused"/> (not allowed, too large, quota, rate, no mailbox),
    /// <see cref="MailboxError.Unreachable"/> or <see cref="MailboxError.ProtocolViolation"/>.</exception>
    public async Task<DepositResult> DepositAsync(EndpointId owner, string id, TimeSpan timeToLive, ReadOnlyMemory<byte> blob, CancellationToken cancellationToken = default)
    {
        if (!MailboxWire.IsValidId(id))
        {
            throw new ArgumentException("An id is 1-64 printable ASCII characters.", nameof(id));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(timeToLive, TimeSpan.FromSeconds(1));
        var ttl = (uint)Math.Min(timeToLive.TotalSeconds, uint.MaxValue);
        var answer = await RequestAsync(MailboxWire.Put(owner, id, ttl, blob.Span), cancellationToken).ConfigureAwait(false);
        var reader = MailboxWire.ReadAnswer(answer, out var status);
        return (status, reader.AtEnd) switch
        {
            (MailboxStatus.Ok, true) => DepositResult.Stored,
            (MailboxStatus.Exists, true) => DepositResult.Exists,
            _ => throw MailboxWire.Violation("an unexpected answer to a deposit"),
        };
    }

    /// <summary>The blobs waiting in this identity's mailbox, oldest deposit first (at most <paramref name="limit"/>, ≤ 1024).</summary>
    public async Task<IReadOnlyList<MailboxEntry>> ListAsync(int limit = 256, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MailboxWire.MaxListLimit);
        var reader = ExpectOk(await RequestAsync(MailboxWire.List(limit), cancellationToken).ConfigureAwait(false));
        return MailboxWire.ParseListAnswer(ref reader);
    }

    /// <summary>One blob of this identity's mailbox, or null when it is gone (acknowledged or expired).</summary>
    public async Task<byte[]?> GetAsync(MailboxItemKey key, CancellationToken cancellationToken = default)
    {
        var answer = await RequestAsync(MailboxWire.Get(key), cancellationToken).ConfigureAwait(false);
        var reader = MailboxWire.ReadAnswer(answer, out var status);
        return status switch
        {
            MailboxStatus.NotFound when reader.AtEnd => null,
            MailboxStatus.Ok => reader.Rest().ToArray(),
            _ => throw MailboxWire.Violation("an unexpected answer to a get"),
        };
    }

    /// <summary>Deletes blobs of this identity's mailbox (it has them safely); returns how many were there.</summary>
    public async Task<int> AckAsync(IReadOnlyList<MailboxItemKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var removed = 0;
        foreach (var chunk in keys.Chunk(MailboxWire.MaxAckKeys))
        {
            var reader = ExpectOk(await RequestAsync(MailboxWire.Ack(chunk), cancellationToken).ConfigureAwait(false));
            removed += reader.TryU16(out var count) && reader.AtEnd ? count : throw MailboxWire.Violation("a malformed ack answer");
        }

        return removed;
    }

    /// <summary>Sets who may deposit in this identity's mailbox; null lets anyone (rate-limited) deposit.</summary>
    public async Task SetAllowedDepositorsAsync(IReadOnlyList<EndpointId>? allowed, CancellationToken cancellationToken = default)
    {
        if (allowed is { Count: > MailboxWire.MaxDepositors })
        {
            throw new ArgumentException($"At most {MailboxWire.MaxDepositors} depositors.", nameof(allowed));
        }

        var reader = ExpectOk(await RequestAsync(MailboxWire.SetDepositors(allowed), cancellationToken).ConfigureAwait(false));
        if (!reader.AtEnd)
        {
            throw MailboxWire.Violation("a malformed answer");
        }
    }

    /// <summary>How many blobs wait in this identity's mailbox, their size, and who may deposit.</summary>
    public async Task<MailboxStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var reader = ExpectOk(await RequestAsync(MailboxWire.Stats(), cancellationToken).ConfigureAwait(false));
        return MailboxWire.ParseStatsAnswer(ref reader);
    }

    /// <summary>
    /// Yields the key of every blob deposited in this identity's mailbox from now on, until cancelled or the
    /// connection drops (then it ends with <see cref="MailboxException"/> <see cref="MailboxError.Unreachable"/>).
    /// Deposits made before the call are found with <see cref="ListAsync"/>.
    /// </summary>
    public async IAsyncEnumerable<MailboxItemKey> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var watch = await OpenWatchAsync(cancellationToken).ConfigureAwait(false);
        await using (watch.ConfigureAwait(false))
        {
            while (true)
            {
                yield return await watch.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts watching and returns once the host confirmed it: every deposit after this point is reported.</summary>
    internal async Task<MailboxWatch> OpenWatchAsync(CancellationToken cancellationToken)
    {
        var dropped = CurrentGeneration();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, dropped);
        TransportStream? stream = null;
        try
        {
            stream = await OpenAsync(MailboxWire.Watch(), linked.Token).ConfigureAwait(false);
            var reader = new FrameReader(stream, MailboxWire.MaxFrameSize);
            ExpectOk(await ReadAnswerAsync(reader, linked.Token).ConfigureAwait(false));
            return new MailboxWatch(stream, reader, dropped);
        }
        catch (OperationCanceledException ex) when (dropped.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            throw Dropped(ex);
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>A confirmed watch: reads the keys the host pushes; ends when the connection is dropped.</summary>
    internal sealed class MailboxWatch(TransportStream stream, FrameReader reader, CancellationToken dropped) : IAsyncDisposable
    {
        public async Task<MailboxItemKey> ReadAsync(CancellationToken cancellationToken)
        {
            byte[] frame;
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, dropped))
            {
                try
                {
                    frame = await ReadAnswerAsync(reader, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException ex) when (dropped.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw Dropped(ex);
                }
            }

            var r = MailboxWire.ReadAnswer(frame, out var status);
            return status == MailboxStatus.Deposited && r.TryKey(out var key) && r.AtEnd ? key : throw MailboxWire.Violation("a malformed watch event");
        }

        public ValueTask DisposeAsync() => stream.DisposeAsync();
    }

    private static MailboxWire.Reader ExpectOk(byte[] answer)
    {
        var reader = MailboxWire.ReadAnswer(answer, out var status);
        return status == MailboxStatus.Ok ? reader : throw MailboxWire.Violation($"status {(byte)status} where OK was expected");
    }

    private async Task<byte[]> RequestAsync(byte[] request, CancellationToken cancellationToken)
    {
        var dropped = CurrentGeneration();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, dropped);
        try
        {
            var stream = await OpenAsync(request, linked.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await ReadAnswerAsync(new FrameReader(stream, MailboxWire.MaxFrameSize), linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (dropped.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Dropped(ex);
        }
    }

    private CancellationToken CurrentGeneration()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Volatile.Read(ref _generation).Token;
    }

    private static MailboxException Dropped(Exception inner) =>
        new(MailboxError.Unreachable, "The network changed: the connection to the mailbox was dropped (try again).", inner);

    private static async Task<byte[]> ReadAnswerAsync(FrameReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new MailboxException(MailboxError.Unreachable, "The mailbox closed the stream without an answer.");
        }
        catch (TransportException ex) when (ex.Error is TransportError.FrameTooLarge or TransportError.ProtocolViolation)
        {
            throw new MailboxException(MailboxError.ProtocolViolation, "The mailbox sent a malformed or oversized frame.", ex);
        }
        catch (Exception ex) when (ex is TransportException or IOException or ObjectDisposedException)
        {
            throw new MailboxException(MailboxError.Unreachable, "The connection to the mailbox broke: " + ex.Message, ex);
        }
    }

    /// <summary>Opens a stream on the (re)used connection and writes the request; one redial if the connection died quietly.</summary>
    private async Task<TransportStream> OpenAsync(byte[] request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        for (var attempt = 0; ; attempt++)
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            TransportStream? stream = null;
            try
            {
                stream = await connection.OpenBidirectionalStreamAsync(cancellationToken).ConfigureAwait(false);
                await new FrameWriter(stream, MailboxWire.MaxFrameSize).WriteFrameAsync(request, cancellationToken).ConfigureAwait(false);
                return stream;
            }
            catch (Exception ex) when (ex is TransportException or IOException or ObjectDisposedException)
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }

                Interlocked.CompareExchange(ref _connection, null, connection);
                if (attempt > 0)
                {
                    throw new MailboxException(MailboxError.Unreachable, "The connection to the mailbox broke: " + ex.Message, ex);
                }
            }
        }
    }

    /// <summary>
    /// Forgets the connection (the next request redials), fails what waits on it, and closes it in the background: after
    /// a network change it may be on a dead path, where closing waits for a peer that never answers.
    /// </summary>
    internal void DropConnection()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        var connection = Interlocked.Exchange(ref _connection, null);
        var old = Interlocked.Exchange(ref _generation, new CancellationTokenSource());
        // Off this thread: the cancelled requests' continuations must not run inside the endpoint's event. Not disposed:
        // a request may still link to its token (it has no timer to release).
        _ = Task.Run(old.Cancel);
        if (connection is not null)
        {
            _ = CloseQuietlyAsync(connection, "network changed");
        }
    }

    private void OnNetworkChanged(object? sender, NetworkChangedEventArgs e) => DropConnection();

    private static async Task CloseQuietlyAsync(Connection connection, string reason)
    {
        try
        {
            await connection.CloseAsync(0, reason).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Already gone.
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _connection);
        if (current is not null && !current.Closed.IsCompleted)
        {
            return current;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is not null && !_connection.Closed.IsCompleted)
            {
                return _connection;
            }

            try
            {
                _connection = await _endpoint.ConnectAsync(Address, Alpns.Mailbox, cancellationToken).ConfigureAwait(false);
                return _connection;
            }
            catch (TransportException ex)
            {
                throw new MailboxException(MailboxError.Unreachable, $"Could not reach the mailbox {Address.Id.ToShortString()}: {ex.Message}", ex);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Closes the connection to the mailbox host (the endpoint stays open).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _endpoint.NetworkChanged -= OnNetworkChanged;
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await CloseQuietlyAsync(connection, "mailbox client closing").ConfigureAwait(false);
        }

        Volatile.Read(ref _generation).Dispose();

        _connectLock.Dispose();
    }
}
