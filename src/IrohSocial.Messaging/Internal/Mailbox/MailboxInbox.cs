using IrohSocial.Crypto;
using IrohSocial.Mailbox;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Internal.Mailbox;

/// <summary>
/// Fetches from the client's own mailbox: at start, whenever the host reports a deposit, every poll interval, and at
/// once after a network change (<see cref="Renew"/>).
/// Blobs are handed, grouped by sender in deposit order, to the sender's <see cref="PeerChannel"/>; a blob is
/// acknowledged to the host (deleted there) only after the batch that applied it committed, so a crash fetches it
/// again and the receiver drops the duplicate by id.
/// </summary>
internal sealed class MailboxInbox : IAsyncDisposable
{
    private const int ListLimit = 256;
    private readonly DmRuntime _rt;
    private readonly MailboxClient _client;
    private readonly Func<EndpointId, PeerChannel> _channel;
    private readonly Func<EndpointAddr, CancellationToken, Task> _learnAddress;
    private readonly SemaphoreSlim _drainLock = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _gate = new();
    private CancellationTokenSource? _cycle; // the running watch cycle; Renew cancels it
    private bool _disposed;
    private Task? _loop;

    public MailboxInbox(DmRuntime runtime, Endpoint endpoint, EndpointAddr mailbox, Func<EndpointId, PeerChannel> channel, Func<EndpointAddr, CancellationToken, Task> learnAddress)
    {
        _learnAddress = learnAddress;
        _rt = runtime;
        _client = new MailboxClient(endpoint, mailbox);
        _channel = channel;
    }

    public EndpointAddr Address => _client.Address;

    public void Start() => _loop ??= Task.Run(() => RunAsync(_shutdown.Token));

    /// <summary>
    /// After a network change: drops the connection to the mailbox (it may run over a dead path, noticed only at the
    /// transport's idle timeout), abandons the watch and any fetch waiting on it, and watches and fetches again at once
    /// over a new connection, so a deposit made meanwhile or afterwards does not wait.
    /// </summary>
    public void Renew()
    {
        // Drop first: a watch cycle that starts after this read of _cycle dials afresh.
        _client.DropConnection();
        CancellationTokenSource? cycle;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            cycle = _cycle;
        }

        try
        {
            cycle?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // That cycle just ended; the next one dials afresh.
        }

        Log.MailboxWatchRenewed(_rt.Logger, _client.Address.Id);
    }

    private async Task RunAsync(CancellationToken shutdown)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!shutdown.IsCancellationRequested)
        {
            using var cycle = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
            lock (_gate)
            {
                _cycle = cycle;
            }

            var cancellationToken = cycle.Token;
            try
            {
                // Watch first, then list: a deposit between the two is both listed and reported, never missed.
                var watch = await _client.OpenWatchAsync(cancellationToken).ConfigureAwait(false);
                await using (watch.ConfigureAwait(false))
                {
                    await FetchAsync(cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromSeconds(1);
                    var next = watch.ReadAsync(cancellationToken);
                    while (true)
                    {
                        // The poll is a safety net for notifications a busy host dropped.
                        await Task.WhenAny(next, Task.Delay(_rt.Options.MailboxPollInterval, _rt.Time, cancellationToken)).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                        if (next.IsCompleted)
                        {
                            await next.ConfigureAwait(false);
                            next = watch.ReadAsync(cancellationToken);
                        }

                        await FetchAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (cycle.IsCancellationRequested)
            {
                // Renewed after a network change: watch again at once, without backoff.
                delay = TimeSpan.FromSeconds(1);
            }
            catch (Exception ex)
            {
                Log.MailboxUnreachable(_rt.Logger, delay, ex);
                try
                {
                    await Task.Delay(delay, _rt.Time, cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                }
                catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
                {
                    // Renewed while waiting: the network changed, so the mailbox may answer now.
                    delay = TimeSpan.FromSeconds(1);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            finally
            {
                lock (_gate)
                {
                    _cycle = null;
                }
            }
        }
    }

    /// <summary>Fetches and applies everything waiting; returns how many blobs were taken out of the mailbox.</summary>
    public async Task<int> FetchAsync(CancellationToken cancellationToken)
    {
        await _drainLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var total = 0;
            while (true)
            {
                var entries = await _client.ListAsync(ListLimit, cancellationToken).ConfigureAwait(false);
                if (entries.Count == 0)
                {
                    return total;
                }

                total += await ApplyAsync(entries, cancellationToken).ConfigureAwait(false);
                Log.MailboxFetched(_rt.Logger, entries.Count);
                if (entries.Count < ListLimit)
                {
                    return total;
                }
            }
        }
        finally
        {
            _drainLock.Release();
        }
    }

    private async Task<int> ApplyAsync(IReadOnlyList<MailboxEntry> entries, CancellationToken cancellationToken)
    {
        var done = new List<MailboxItemKey>(entries.Count);
        var group = new List<byte[]>();
        var groupKeys = new List<MailboxItemKey>();
        EndpointId? groupSender = null;
        EndpointAddr? groupHint = null;
        foreach (var entry in entries)
        {
            var blob = await _client.GetAsync(entry.Key, cancellationToken).ConfigureAwait(false);
            if (blob is null)
            {
                continue;
            }

            if (!MailboxPadding.TryUnpad(blob, out var deposit) || !MailboxDeposit.TryDecode(deposit, out var hint, out var payload)
                || !TryReadSender(payload.Span, out var sender))
            {
                // Not something any sender of ours made: drop it, it cannot become valid later.
                Log.MailboxBlobDropped(_rt.Logger, "not a padded envelope");
                done.Add(entry.Key);
                continue;
            }

            if (groupSender is { } current && current != sender)
            {
                await ApplyGroupAsync(current, groupHint, group, groupKeys, done, cancellationToken).ConfigureAwait(false);
                groupHint = null;
            }

            groupSender = sender;
            groupHint = hint is not null && hint.Id == sender ? hint : groupHint;
            group.Add(payload.ToArray());
            groupKeys.Add(entry.Key);
        }

        if (groupSender is { } last)
        {
            await ApplyGroupAsync(last, groupHint, group, groupKeys, done, cancellationToken).ConfigureAwait(false);
        }

        if (done.Count > 0)
        {
            await _client.AckAsync(done, cancellationToken).ConfigureAwait(false);
        }

        return done.Count;
    }

    private async Task ApplyGroupAsync(EndpointId sender, EndpointAddr? hint, List<byte[]> frames, List<MailboxItemKey> keys, List<MailboxItemKey> done, CancellationToken cancellationToken)
    {
        try
        {
            // The hint is adopted only when something from that sender decrypted (a host cannot plant one alone).
            if (await _channel(sender).ProcessMailboxFramesAsync(frames, cancellationToken).ConfigureAwait(false) && hint is not null)
            {
                await _learnAddress(hint, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (MessagingException ex)
        {
            // Authentic but meaningless, or malformed: what came before it committed, the rest is dropped as it would be on a stream.
            Log.MailboxBlobDropped(_rt.Logger, ex.Message);
        }

        done.AddRange(keys);
        frames.Clear();
        keys.Clear();
    }

    private static bool TryReadSender(ReadOnlySpan<byte> payload, out EndpointId sender)
    {
        sender = default;
        try
        {
            EncryptedEnvelope.Parse(payload, out sender);
            return true;
        }
        catch (MessagingException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        await _client.DisposeAsync().ConfigureAwait(false);
        _shutdown.Dispose();
        _drainLock.Dispose();
    }
}
