using System.Collections.Concurrent;
using System.Threading.Channels;
using IrohSocial.Crypto;
using IrohSocial.Mailbox.Internal;
using IrohSocial.Mailbox.Storage;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Mailbox;

/// <summary>
/// Serves <c>iroh-social/mailbox/1</c>: keeps already encrypted blobs for owners until they acknowledge them or
/// they expire. Who is who comes from the connection's TLS-proven identity: the asking identity is the owner of
/// the mailbox it lists, reads, acknowledges and configures; a deposit names its owner and is stored under the
/// depositor's proven id. Add it to a router with <see cref="Register"/>; any node or a relay host can run one.
/// </summary>
public sealed class MailboxService : IProtocolHandler, IAsyncDisposable
{
    private readonly MailboxServiceOptions _options;
    private readonly ILogger _logger;
    private readonly DepositRateLimiter _rate;
    private readonly HashSet<EndpointId>? _owners;
    private readonly ConcurrentDictionary<EndpointId, ConcurrentDictionary<Channel<MailboxItemKey>, byte>> _watchers = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ITimer _sweep;
    private readonly MailboxTelemetry _telemetry;
    private int _disposed;

    private MailboxService(MailboxServiceOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger<MailboxService>() ?? NullLogger<MailboxService>.Instance;
        _rate = new DepositRateLimiter(options.DepositsPerSecond, options.DepositBurst, options.TimeProvider);
        _owners = options.Owners?.ToHashSet();
        _telemetry = new MailboxTelemetry(options.MeterFactory);
        _sweep = options.TimeProvider.CreateTimer(_ => _ = SweepAsync(), null, options.SweepInterval, options.SweepInterval);
        Log.Started(_logger, options.SweepInterval);
    }

    /// <summary>Creates a service and starts its expiry sweep.</summary>
    public static MailboxService Start(MailboxServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new MailboxService(options);
    }

    /// <summary>Adds <c>iroh-social/mailbox/1</c> to a router (call before the router starts).</summary>
    public Router Register(Router router)
    {
        ArgumentNullException.ThrowIfNull(router);
        return router.Accept(Alpns.Mailbox, this);
    }

    /// <summary>Deletes expired blobs now (the timer does this every <see cref="MailboxServiceOptions.SweepInterval"/>); returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var count = await _options.Store.RemoveExpiredAsync(_options.TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            if (count > 0)
            {
                Log.Swept(_logger, count);
                _telemetry.Expired(count);
            }

            return count;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken == default)
        {
            Log.RequestFailed(_logger, "sweep", ex);
            return 0;
        }
    }

    /// <inheritdoc />
    public async Task HandleConnectionAsync(Connection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var streams = new List<Task>();
        try
        {
            while (!linked.IsCancellationRequested)
            {
                var stream = await connection.AcceptStreamAsync(linked.Token).ConfigureAwait(false);
                streams.Add(Task.Run(() => ServeStreamAsync(connection.RemoteId, stream, linked.Token), CancellationToken.None));
                streams.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (Exception ex) when (ex is TransportException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection ended; its streams end with it.
        }

        await Task.WhenAll(streams).ConfigureAwait(false);
    }

    private async Task ServeStreamAsync(EndpointId remote, TransportStream stream, CancellationToken cancellationToken)
    {
        try
        {
            var frame = await new FrameReader(stream, MailboxWire.MaxFrameSize).ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            var writer = new FrameWriter(stream, MailboxWire.MaxFrameSize);
            var request = frame is null ? null : MailboxWire.TryParseRequest(frame);
            if (request is null)
            {
                Log.Refused(_logger, "request", Log.Short(remote), MailboxRefusal.BadRequest);
                await writer.WriteFrameAsync(MailboxWire.Refused(MailboxRefusal.BadRequest), cancellationToken).ConfigureAwait(false);
            }
            else if (request is WatchRequest)
            {
                await WatchAsync(remote, stream, writer, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var answer = await AnswerAsync(remote, request, cancellationToken).ConfigureAwait(false);
                await writer.WriteFrameAsync(answer, cancellationToken).ConfigureAwait(false);
            }

            stream.CompleteWrites();
        }
        catch (TransportException ex) when (ex.Error is TransportError.FrameTooLarge or TransportError.ProtocolViolation)
        {
            Log.Refused(_logger, "request", Log.Short(remote), ex.Error == TransportError.FrameTooLarge ? MailboxRefusal.TooLarge : MailboxRefusal.BadRequest);
            stream.Abort((long)MailboxError.ProtocolViolation);
        }
        catch (Exception ex) when (ex is TransportException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or the service stops.
        }
        catch (Exception ex)
        {
            // A store failure: the requester gets no answer (and retries); the service keeps running.
            Log.RequestFailed(_logger, Log.Short(remote), ex);
            stream.Abort((long)MailboxError.Unreachable);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private bool IsOwner(EndpointId id) => _owners is null || _owners.Contains(id);

    private async Task<byte[]> AnswerAsync(EndpointId remote, MailboxRequest request, CancellationToken cancellationToken)
    {
        var store = _options.Store;
        var now = _options.TimeProvider.GetUtcNow();
        if (request is PutRequest put)
        {
            return await PutAsync(remote, put, now, cancellationToken).ConfigureAwait(false);
        }

        if (!IsOwner(remote))
        {
            Log.Refused(_logger, request.GetType().Name, Log.Short(remote), MailboxRefusal.NoMailbox);
            return MailboxWire.Refused(MailboxRefusal.NoMailbox);
        }

        switch (request)
        {
            case ListRequest list:
                return MailboxWire.ListAnswer(await store.ListAsync(remote, now, list.Limit, cancellationToken).ConfigureAwait(false));
            case GetRequest get:
                var blob = await store.GetAsync(remote, get.Key, now, cancellationToken).ConfigureAwait(false);
                return blob is null ? MailboxWire.Status(MailboxStatus.NotFound) : MailboxWire.GetAnswer(blob);
            case AckRequest ack:
                var removed = await store.RemoveAsync(remote, ack.Keys, cancellationToken).ConfigureAwait(false);
                Log.Acked(_logger, Log.Short(remote), removed);
                _telemetry.Acked(removed);
                return MailboxWire.AckAnswer(removed);
            case SetDepositorsRequest set:
                await store.SetAllowedDepositorsAsync(remote, set.Allowed, cancellationToken).ConfigureAwait(false);
                return MailboxWire.Status(MailboxStatus.Ok);
            case StatsRequest:
                return MailboxWire.StatsAnswer(await store.GetStatsAsync(remote, now, cancellationToken).ConfigureAwait(false));
            default:
                return MailboxWire.Refused(MailboxRefusal.BadRequest);
        }
    }

    private async Task<byte[]> PutAsync(EndpointId depositor, PutRequest put, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var refusal = put switch
        {
            _ when !IsOwner(put.Owner) => MailboxRefusal.NoMailbox,
            { Blob.Length: 0 } or { TtlSeconds: 0 } => MailboxRefusal.BadRequest,
            _ when put.Blob.Length > _options.MaxBlobSize => MailboxRefusal.TooLarge,
            _ => (MailboxRefusal?)null,
        };
        if (refusal is null && await _options.Store.GetAllowedDepositorsAsync(put.Owner, cancellationToken).ConfigureAwait(false) is { } allowed
            && !allowed.Contains(depositor) && depositor != put.Owner)
        {
            refusal = MailboxRefusal.NotAllowed;
        }

        // The bucket is spent last, so refused deposits do not use up a depositor's rate.
        if (refusal is null && !_rate.TryTake(depositor))
        {
            refusal = MailboxRefusal.Rate;
        }

        if (refusal is { } reason)
        {
            Log.Refused(_logger, "deposit", Log.Short(depositor), reason);
            _telemetry.Refused(reason);
            return MailboxWire.Refused(reason);
        }

        var ttl = TimeSpan.FromSeconds(Math.Min(put.TtlSeconds, _options.MaxTimeToLive.TotalSeconds));
        var key = new MailboxItemKey(depositor, put.Id);
        var outcome = await _options.Store.PutAsync(new MailboxBlob(put.Owner, key, put.Blob, now, now + ttl), _options.Quota, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case MailboxPutOutcome.Stored:
                Log.Stored(_logger, put.Blob.Length, Log.Short(depositor), Log.Short(put.Owner));
                _telemetry.Stored(put.Blob.Length);
                Notify(put.Owner, key);
                return MailboxWire.Status(MailboxStatus.Ok);
            case MailboxPutOutcome.Exists:
                _telemetry.Exists();
                return MailboxWire.Status(MailboxStatus.Exists);
            default:
                Log.Refused(_logger, "deposit", Log.Short(depositor), MailboxRefusal.Quota);
                _telemetry.Refused(MailboxRefusal.Quota);
                return MailboxWire.Refused(MailboxRefusal.Quota);
        }
    }

    private void Notify(EndpointId owner, MailboxItemKey key)
    {
        if (_watchers.TryGetValue(owner, out var watchers))
        {
            foreach (var watcher in watchers.Keys)
            {
                watcher.Writer.TryWrite(key);
            }
        }
    }

    /// <summary>Answers OK, then pushes the key of every new deposit for the owner until either side ends the stream.</summary>
    private async Task WatchAsync(EndpointId owner, TransportStream stream, FrameWriter writer, CancellationToken cancellationToken)
    {
        if (!IsOwner(owner))
        {
            Log.Refused(_logger, "watch", Log.Short(owner), MailboxRefusal.NoMailbox);
            await writer.WriteFrameAsync(MailboxWire.Refused(MailboxRefusal.NoMailbox), cancellationToken).ConfigureAwait(false);
            return;
        }

        // Bounded: a watcher that does not read loses notifications, not memory (it lists again on reconnect).
        var channel = Channel.CreateBounded<MailboxItemKey>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropWrite });
        var watchers = _watchers.GetOrAdd(owner, _ => new());
        watchers[channel] = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await writer.WriteFrameAsync(MailboxWire.Status(MailboxStatus.Ok), cancellationToken).ConfigureAwait(false);
            // The watcher ends its writes (or the connection) to stop watching.
            var closed = Task.Run(async () =>
            {
                try
                {
                    await stream.ReadAsync(new byte[1], stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }, CancellationToken.None);
            try
            {
                await foreach (var key in channel.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    await writer.WriteFrameAsync(MailboxWire.DepositedEvent(key), stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The watcher left.
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await closed.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            watchers.TryRemove(channel, out _);
        }
    }

    /// <inheritdoc />
    public async ValueTask ShutdownAsync(CancellationToken cancellationToken) => await _shutdown.CancelAsync().ConfigureAwait(false);

    /// <summary>Stops the sweep and every running request. The store stays open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _sweep.DisposeAsync().ConfigureAwait(false);
        await _shutdown.CancelAsync().ConfigureAwait(false);
        _shutdown.Dispose();
        _telemetry.Dispose();
    }
}
