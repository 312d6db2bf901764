using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// Everything about one peer: the ratchet session (loaded lazily, saved in the same batch as whatever it
/// protected), the outbound link, inbound envelope processing and the outbox worker.
/// </summary>
internal sealed partial class PeerChannel : IAsyncDisposable
{
    private readonly DmRuntime _rt;
    private readonly SemaphoreSlim _sessionLock = new(1, 1);
    private readonly SemaphoreSlim _linkLock = new(1, 1);
    private readonly SemaphoreSlim _deliveryLock = new(1, 1);
    private readonly AsyncSignal _wake = new();
    private readonly CancellationTokenSource _shutdown = new();
    private PeerSession? _session;
    private int _sessionGeneration;
    private OutboundLink? _link;
    private Task? _worker;

    public PeerChannel(DmRuntime runtime, EndpointId peer)
    {
        _rt = runtime;
        Peer = peer;
    }

    public EndpointId Peer { get; }

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
            _session = state is null ? PeerSession.Create(_rt.LocalKey, Peer) : PeerSession.Deserialize(_rt.LocalKey, state);
        }

        return _session;
    }

    /// <summary>Drops the cached session so the next use reloads the last committed state (after a failed commit).</summary>
    private void InvalidateSession()
    {
        _session?.Dispose();
        _session = null;
    }

    // ---- sending ----

    /// <summary>
    /// Encrypts the controls, commits the advanced session, then writes them in order. Returns one task per
    /// control that completes when the peer's acknowledgement has been processed and committed.
    /// </summary>
    public async Task<IReadOnlyList<Task>> SendControlsAsync(IReadOnlyList<Control> controls, CancellationToken cancellationToken)
    {
        var link = await GetLinkAsync(cancellationToken).ConfigureAwait(false);
        var frames = new List<byte[]>(controls.Count);
        var items = new List<PendingSend>(controls.Count);
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var control in controls)
            {
                frames.Add(ToEnvelope(session.Encrypt(control.ToJson())).ToJson());
                items.Add(new PendingSend(control, _sessionGeneration));
            }

            // The advanced chain is durable before any of its ciphertexts leaves, so a restart never reuses a key.
            await CommitAsync([new SaveSession(Peer, session.Serialize())], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sessionLock.Release();
        }

        await link.WriteAsync(items, frames, cancellationToken).ConfigureAwait(false);
        return items.Select(i => i.Acked.Task).ToList();
    }

    /// <summary>Sends controls and waits for all acknowledgements (bounded by the ack timeout).</summary>
    public async Task SendAndWaitAsync(IReadOnlyList<Control> controls, CancellationToken cancellationToken)
    {
        var acks = await SendControlsAsync(controls, cancellationToken).ConfigureAwait(false);
        await WaitAcksAsync(acks, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitAcksAsync(IReadOnlyList<Task> acks, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(acks).WaitAsync(_rt.Options.AckTimeout, _rt.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            // A silent peer: drop the link so the next attempt starts clean.
            var error = new MessagingException(MessagingError.Timeout, "The peer did not acknowledge in time.", ex);
            Volatile.Read(ref _link)?.Fail(error);
            throw error;
        }
        catch (MessagingException) when (acks.FirstOrDefault(t => t.IsFaulted) is { } faulted)
        {
            // Surface the first failure in send order, which is what the caller cares about.
            await faulted.ConfigureAwait(false);
        }
    }

    /// <summary>Opens (or reuses) the outbound link, so a caller can fail fast when the peer is away.</summary>
    public Task EnsureReachableAsync(CancellationToken cancellationToken) => GetLinkAsync(cancellationToken);

    private EncryptedEnvelope ToEnvelope(RatchetMessage message) =>
        new(_rt.LocalId.ToString(), message.Header.RatchetKey, message.Header.SetupEphemeralKey, message.Header.MessageNumber,
            message.Header.PreviousChainLength, message.Ciphertext, message.Nonce);

    private static RatchetMessage FromEnvelope(EncryptedEnvelope envelope) =>
        new(new RatchetHeader(envelope.RatchetKey, envelope.MessageNumber, envelope.PreviousChainLength, envelope.EphemeralKey), envelope.Ciphertext, envelope.Nonce);

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

            if (_link is not null)
            {
                await _link.DisposeAsync().ConfigureAwait(false);
                _link = null;
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

            _link = new OutboundLink(stream, this, _rt.Options.MaxFrameSize);
            return _link;
        }
        finally
        {
            _linkLock.Release();
        }
    }

    /// <summary>Handles the peer's response to <paramref name="head"/> (called by the link's reader, in order).</summary>
    internal async Task HandleResponseAsync(PendingSend head, byte[] frame, CancellationToken cancellationToken)
    {
        if (ResponseError.TryParse(frame) is { } error)
        {
            var failure = new MessagingException(MessagingError.DecryptionFailed, $"The peer could not decrypt our envelope ({error.Error}).");
            if (error.Error == ResponseError.DecryptFailed)
            {
                await ResetSessionAsync(head.SessionGeneration, "the peer could not decrypt; it probably lost its state", cancellationToken).ConfigureAwait(false);
            }

            head.Acked.TrySetException(failure);
            return;
        }

        var envelope = EncryptedEnvelope.Parse(frame, out var sender);
        if (sender != Peer)
        {
            throw new MessagingException(MessagingError.SenderMismatch, "An acknowledgement names another sender.");
        }

        var resetByPeer = false;
        DeliveredControl ack;
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
            if (!session.TryDecrypt(FromEnvelope(envelope), out var plaintext, out resetByPeer))
            {
                throw new MessagingException(MessagingError.DecryptionFailed, "An acknowledgement did not decrypt.");
            }

            ack = Control.Parse(plaintext) as DeliveredControl
                ?? throw new MessagingException(MessagingError.MalformedControl, "The response to an envelope is not an acknowledgement.");
            if (ack.AckedId != head.Control.Id)
            {
                throw new MessagingException(MessagingError.MalformedControl, "The acknowledgement names another control.");
            }

            if (resetByPeer)
            {
                _sessionGeneration++;
            }

            var operations = new List<StoreOperation> { new SaveSession(Peer, session.Serialize()), new RemoveOutbox(head.Control.Id) };
            if (head.Control is MessageControl && await _rt.Store.GetMessageAsync(head.Control.Id, cancellationToken).ConfigureAwait(false) is { Status: MessageStatus.Pending })
            {
                operations.Add(new SetMessageStatus(head.Control.Id, MessageStatus.Delivered));
            }

            await CommitAsync(operations, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sessionLock.Release();
        }

        if (resetByPeer)
        {
            Log.SessionReset(_rt.Logger, Peer, "the peer started a new session");
            _rt.Raise(new SessionResetEvent(Peer));
        }

        if (head.Control is MessageControl)
        {
            _rt.Raise(new MessageDeliveredEvent(Peer, head.Control.Id));
        }

        head.Acked.TrySetResult();
    }

    /// <summary>Replaces the session with a fresh one, unless a newer generation already did.</summary>
    private async Task ResetSessionAsync(int generationSeen, string why, CancellationToken cancellationToken)
    {
        await _sessionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (generationSeen != _sessionGeneration)
            {
                return;
            }

            var fresh = PeerSession.Create(_rt.LocalKey, Peer);
            await _rt.Store.ApplyAsync([new SaveSession(Peer, fresh.Serialize())], cancellationToken).ConfigureAwait(false);
            _session?.Dispose();
            _session = fresh;
            _sessionGeneration++;
        }
        finally
        {
            _sessionLock.Release();
        }

        Log.SessionReset(_rt.Logger, Peer, why);
        _rt.Raise(new SessionResetEvent(Peer));
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

        if (_link is not null)
        {
            await _link.DisposeAsync().ConfigureAwait(false);
        }

        _session?.Dispose();
        _shutdown.Dispose();
    }
}
