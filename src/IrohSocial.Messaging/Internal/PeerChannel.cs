using System.Collections.Concurrent;
using System.Security.Cryptography;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// Everything about one peer: the ratchet session (loaded lazily, saved in the same batch as whatever it
/// protected), our outbound link, processing of the peer's envelopes and the outbox worker.
/// </summary>
/// <remarks>
/// Encrypting and queueing on the link happen under the session lock, so the link carries our ratchet
/// messages in encryption order. Nothing blocks on the network while holding the lock: the link is a queue.
/// </remarks>
internal sealed partial class PeerChannel : IAsyncDisposable
{
    private const int RememberedRatchetKeys = 64;

    private readonly DmRuntime _rt;
    private readonly SemaphoreSlim _sessionLock = new(1, 1);
    private readonly SemaphoreSlim _linkLock = new(1, 1);
    private readonly SemaphoreSlim _deliveryLock = new(1, 1);
    private readonly AsyncSignal _wake = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<string, PendingSend> _pending = new(StringComparer.Ordinal);
    // Which session generation each of our recent ratchet keys belongs to, to tell a current decrypt_failed from a stale one.
    private readonly Dictionary<string, int> _keyGenerations = new(StringComparer.Ordinal);
    private readonly Queue<string> _keyOrder = new();
    private PeerSession? _session;
    private int _sessionGeneration;
    private OutboundLink? _link;
    private Task? _worker;
    private int _outboxDepth;

    public PeerChannel(DmRuntime runtime, EndpointId peer)
    {
        _rt = runtime;
        Peer = peer;
    }

    public EndpointId Peer { get; }

    /// <summary>Outbox entries waiting for this peer, as the worker last read them (for the outbox-depth gauge).</summary>
    public int OutboxDepth => Volatile.Read(ref _outboxDepth);

    /// <summary>Starts the outbox worker (idempotent).</summary>
    public void EnsureWorker()
    {
        lock (_wake)
        {
            _worker ??= Task.Run(() => RunOutboxWorkerAsync(_shutdown.Token));
        }
    }

    /// <summary>Wakes the outbox worker: something was queued, the peer was seen or a flush was asked for.</summary>
    public void Wake()
    {
        EnsureWorker();
        _wake.Set();
    }

    // ---- session ----

    private async ValueTask<PeerSession> GetSessionAsync(CancellationToken cancellationToken)
    {
        if (_session is null)
        {
            var state = await _rt.Store.LoadSessionAsync(Peer, cancellationToken).ConfigureAwait(false);
            try
            {
                _session = state is null ? PeerSession.Create(_rt.LocalKey, Peer) : PeerSession.Deserialize(_rt.LocalKey, state);
            }
            finally
            {
                // The serialized form holds every key of the session: do not leave it to the garbage collector.
                CryptographicOperations.ZeroMemory(state);
            }
        }

        return _session;
    }

    /// <summary>Drops the cached session so the next use reloads the last committed state (after a failed commit).</summary>
    private void InvalidateSession()
    {
        _session?.Dispose();
        _session = null;
    }

    private async Task CommitAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken)
    {
        try
        {
            await _rt.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            InvalidateSession();
            throw;
        }
        finally
        {
            // Stores copy or seal what they keep; our serialized session buffers are wiped either way.
            foreach (var operation in operations)
            {
                if (operation is SaveSession save)
                {
                    CryptographicOperations.ZeroMemory(save.State);
                }
            }
        }
    }

    private byte[] Seal(PeerSession session, Control control)
    {
        var message = session.Encrypt(control.ToJson());
        var key = Convert.ToBase64String(message.Header.RatchetKey);
        if (!_keyGenerations.ContainsKey(key))
        {
            _keyOrder.Enqueue(key);
            if (_keyOrder.Count > RememberedRatchetKeys)
            {
                _keyGenerations.Remove(_keyOrder.Dequeue());
            }
        }

        _keyGenerations[key] = _sessionGeneration;
        return new EncryptedEnvelope(_rt.LocalId.ToString(), message.Header.RatchetKey, message.Header.SetupEphemeralKey, message.Header.MessageNumber,
            message.Header.PreviousChainLength, message.Ciphertext, message.Nonce).ToJson();
    }

    private static RatchetMessage FromEnvelope(EncryptedEnvelope envelope) =>
        new(new RatchetHeader(envelope.RatchetKey, envelope.MessageNumber, envelope.PreviousChainLength, envelope.EphemeralKey), envelope.Ciphertext, envelope.Nonce);

    // ---- sending ----

    /// <summary>
    /// Encrypts the controls, commits the advanced session, then queues them on the link, in order. Returns one
    /// task per control that completes when the peer's acknowledgement has been processed and committed.
    /// </summary>
    public async Task<IReadOnlyList<Task>> SendControlsAsync(IReadOnlyList<Control> controls, CancellationToken cancellationToken)
    {
        var link = await GetLinkAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<PendingSend>(controls.Count);
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            link = CurrentIfRetired(link);
            var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
            var frames = new List<byte[]>(controls.Count);
            foreach (var control in controls)
            {
                frames.Add(Seal(session, control));
                items.Add(new PendingSend(control, _sessionGeneration));
            }

            // The advanced chain is durable before any of its ciphertexts leaves, so a restart never reuses a key.
            await CommitAsync([new SaveSession(Peer, session.Serialize())], cancellationToken).ConfigureAwait(false);
            foreach (var item in items)
            {
                if (_pending.TryGetValue(item.Control.Id, out var older))
                {
                    older.Acked.TrySetException(new MessagingException(MessagingError.PeerUnreachable, "Superseded by a retry."));
                }

                _pending[item.Control.Id] = item;
            }

            foreach (var frame in frames)
            {
                if (!link.TryEnqueue(frame))
                {
                    throw new MessagingException(MessagingError.PeerUnreachable, "The link to the peer broke.");
                }
            }

            _rt.Telemetry.EnvelopesSent(frames.Count);
        }
        catch
        {
            // Encrypting may have advanced the cached session past what is stored: reload it on next use.
            InvalidateSession();
            foreach (var item in items)
            {
                _pending.TryRemove(new KeyValuePair<string, PendingSend>(item.Control.Id, item));
            }

            throw;
        }
        finally
        {
            _sessionLock.Release();
        }

        return items.Select(i => i.Acked.Task).ToList();
    }

    /// <summary>Sends controls and waits for all acknowledgements (each bounded by the ack timeout).</summary>
    public async Task SendAndWaitAsync(IReadOnlyList<Control> controls, CancellationToken cancellationToken)
    {
        foreach (var ack in await SendControlsAsync(controls, cancellationToken).ConfigureAwait(false))
        {
            await AwaitAckAsync(ack, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AwaitAckAsync(Task ack, CancellationToken cancellationToken)
    {
        try
        {
            await ack.WaitAsync(_rt.Options.AckTimeout, _rt.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            // A silent peer: drop the link so the next attempt starts clean (this also fails the rest in flight).
            var error = new MessagingException(MessagingError.Timeout, "The peer did not acknowledge in time.", ex);
            Volatile.Read(ref _link)?.Fail(error);
            throw error;
        }
    }

    /// <summary>
    /// A link fetched before taking the session lock may have been retired meanwhile (<see cref="TryMoveLinkAsync"/>
    /// swaps under that lock, with its successor already open): use the successor. Call under the session lock.
    /// </summary>
    private OutboundLink CurrentIfRetired(OutboundLink link) =>
        link.IsRetired && Volatile.Read(ref _link) is { } successor ? successor : link;

    /// <summary>
    /// Moves our envelope stream to the connection the client now prefers (a direct one that replaced a relayed one):
    /// when nothing we sent is waiting for its acknowledgement, a new link is opened (on the preferred connection) and
    /// the old one retired, so the peer receives our envelopes in order and none is sent twice. False when sends are
    /// still in flight (try again later); true when moved or when there was no link to move.
    /// </summary>
    public async Task<bool> TryMoveLinkAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _link) is not { IsAlive: true } || !_pending.IsEmpty)
        {
            return Volatile.Read(ref _link) is not { IsAlive: true };
        }

        await _linkLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var old = _link;
            if (old is not { IsAlive: true })
            {
                return true;
            }

            var fresh = new OutboundLink(await _rt.OpenEnvelopeStreamAsync(Peer, cancellationToken).ConfigureAwait(false), OnLinkFailed);
            await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_pending.IsEmpty || !old.IsAlive)
                {
                    fresh.Retire();
                    return !old.IsAlive;
                }

                Volatile.Write(ref _link, fresh);
                old.Retire();
                return true;
            }
            finally
            {
                _sessionLock.Release();
            }
        }
        finally
        {
            _linkLock.Release();
        }
    }

    /// <summary>
    /// The path under the link may have died silently (a network change): fail the link now, and with it whatever waits
    /// for an acknowledgement on it, so the next outbox round opens a new one instead of waiting for the ack timeout.
    /// </summary>
    public void DropLink(Exception reason) => Volatile.Read(ref _link)?.Fail(reason);

    /// <summary>Opens (or reuses) the outbound link, so a caller can fail fast when the peer is away.</summary>
    public Task EnsureReachableAsync(CancellationToken cancellationToken) => GetLinkAsync(cancellationToken);

    private async Task<OutboundLink> GetLinkAsync(CancellationToken cancellationToken)
    {
        var link = Volatile.Read(ref _link);
        if (link is { IsAlive: true })
        {
            return link;
        }

        await _linkLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_link is { IsAlive: true })
            {
                return _link;
            }

            Stream stream;
            try
            {
                stream = await _rt.OpenEnvelopeStreamAsync(Peer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not (MessagingException or OperationCanceledException))
            {
                throw new MessagingException(MessagingError.PeerUnreachable, $"Could not reach {Peer.ToShortString()}: {ex.Message}", ex);
            }

            var fresh = new OutboundLink(stream, OnLinkFailed);
            Volatile.Write(ref _link, fresh);
            return fresh;
        }
        finally
        {
            _linkLock.Release();
        }
    }

    /// <summary>Whatever waited for an acknowledgement through a dead link fails; the outbox will retry it.</summary>
    private void OnLinkFailed(OutboundLink link, Exception reason)
    {
        Interlocked.CompareExchange(ref _link, null, link);
        if (link.IsRetired)
        {
            return; // it ended because we moved on; what waits for acks now goes through the new link
        }

        var failure = reason as MessagingException ?? new MessagingException(MessagingError.PeerUnreachable, "The link to the peer broke: " + reason.Message, reason);
        foreach (var item in _pending.Values)
        {
            if (_pending.TryRemove(new KeyValuePair<string, PendingSend>(item.Control.Id, item)))
            {
                item.Acked.TrySetException(failure);
            }
        }
    }

    /// <summary>Replaces the session with a fresh one and fails what was sent under the old one.</summary>
    private async Task ResetSessionAsync(int generationSeen, string why, CancellationToken cancellationToken)
    {
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (generationSeen != _sessionGeneration)
            {
                return;
            }

            // StartOver keeps every setup key seen so far, so the peer's old first messages stay refused.
            var current = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
            var fresh = current.StartOver(_rt.LocalKey);
            try
            {
                var state = fresh.Serialize();
                try
                {
                    await _rt.Store.ApplyAsync([new SaveSession(Peer, state)], cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(state);
                }
            }
            catch
            {
                fresh.Dispose();
                throw;
            }

            _session?.Dispose();
            _session = fresh;
            _sessionGeneration++;
        }
        finally
        {
            _sessionLock.Release();
        }

        var failure = new MessagingException(MessagingError.DecryptionFailed, "The peer could not decrypt our envelopes; the session was reset.");
        foreach (var item in _pending.Values.Where(p => p.SessionGeneration < _sessionGeneration))
        {
            if (_pending.TryRemove(new KeyValuePair<string, PendingSend>(item.Control.Id, item)))
            {
                item.Acked.TrySetException(failure);
            }
        }

        Log.SessionReset(_rt.Logger, Peer, why);
        _rt.Raise(new SessionResetEvent(Peer));
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        if (_worker is not null)
        {
            try
            {
                await _worker.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        var link = Volatile.Read(ref _link);
        if (link is not null)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        _session?.Dispose();
        _shutdown.Dispose();
    }
}
