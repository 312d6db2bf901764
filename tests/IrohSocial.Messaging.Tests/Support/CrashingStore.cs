using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Tests.Support;

/// <summary>Thrown by <see cref="CrashingStore"/> to simulate the process dying.</summary>
public sealed class SimulatedCrashException() : Exception("Simulated crash.");

/// <summary>
/// Wraps a store and "kills the process" at a chosen write: that batch is not applied and every later call
/// fails, as if the process had died between two storage steps. The inner store keeps what was committed.
/// </summary>
public sealed partial class CrashingStore(IMessagingStore inner, int crashAtWrite = int.MaxValue) : IMessagingStore
{
    private readonly TaskCompletionSource _crashed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _writes;
    private volatile int _crashAtWrite = crashAtWrite;

    /// <summary>No crash from now on (when it has not happened yet), and no pending transient failure.</summary>
    public void Disarm()
    {
        _crashAtWrite = int.MaxValue;
        Volatile.Write(ref _failNextRatchetWrite, 0);
    }

    /// <summary>Completes when the crash happened.</summary>
    public Task Crashed => _crashed.Task;

    public int Writes => Volatile.Read(ref _writes);

    private int _failNextLookup;

    /// <summary>The next per-peer duplicate lookup throws an <see cref="IOException"/> (a transient read failure, not a crash).</summary>
    public void FailNextLookup() => Volatile.Write(ref _failNextLookup, 1);

    private int _failNextRatchetWrite;

    /// <summary>
    /// The next write that commits a ratchet step (an inbound batch, or encrypted sends) throws an
    /// <see cref="IOException"/> without applying anything: a transient store failure, not a crash.
    /// </summary>
    public void FailNextRatchetWrite() => Volatile.Write(ref _failNextRatchetWrite, 1);

    private void Check()
    {
        if (_crashed.Task.IsCompleted)
        {
            throw new SimulatedCrashException();
        }
    }

    private readonly List<byte[]> _sessionBuffers = [];

    /// <summary>Every serialized session the client handed to or received from the store (the arrays themselves).</summary>
    public IReadOnlyList<byte[]> SessionBuffers
    {
        get
        {
            lock (_sessionBuffers)
            {
                return [.. _sessionBuffers];
            }
        }
    }

    private void Observe(byte[]? state)
    {
        if (state is not null)
        {
            lock (_sessionBuffers)
            {
                _sessionBuffers.Add(state);
            }
        }
    }

    private Func<IReadOnlyList<StoreOperation>, bool>? _crashWhen;
    private bool _crashAfterApplying;
    private readonly List<StoreOperation[]> _batches = [];

    /// <summary>
    /// The process dies at the next write that <paramref name="when"/> picks: before it is applied, or with
    /// <paramref name="afterApplying"/> right after it committed (nothing the client meant to do after the commit happens).
    /// </summary>
    public void CrashAt(Func<IReadOnlyList<StoreOperation>, bool> when, bool afterApplying) =>
        (_crashAfterApplying, _crashWhen) = (afterApplying, when);

    /// <summary>Every batch handed to the store so far, in order (the operations, as given).</summary>
    public IReadOnlyList<StoreOperation[]> Batches
    {
        get
        {
            lock (_batches)
            {
                return [.. _batches];
            }
        }
    }

    public ValueTask ApplyAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default)
    {
        Check();
        lock (_batches)
        {
            _batches.Add([.. operations]);
        }

        if (_crashWhen is { } when && when(operations))
        {
            _crashWhen = null;
            return CrashAsync(operations, _crashAfterApplying, cancellationToken);
        }

        foreach (var save in operations.OfType<SaveSession>())
        {
            Observe(save.State);
        }

        if (operations.Any(o => o is SaveSession) && Interlocked.Exchange(ref _failNextRatchetWrite, 0) == 1)
        {
            throw new IOException("Simulated transient write failure.");
        }

        if (Interlocked.Increment(ref _writes) == _crashAtWrite)
        {
            _crashed.TrySetResult();
            throw new SimulatedCrashException();
        }

        return inner.ApplyAsync(operations, cancellationToken);
    }

    private async ValueTask CrashAsync(IReadOnlyList<StoreOperation> operations, bool afterApplying, CancellationToken cancellationToken)
    {
        if (afterApplying)
        {
            await inner.ApplyAsync(operations, cancellationToken);
        }

        _crashed.TrySetResult();
        throw new SimulatedCrashException();
    }

    public ValueTask<IReadOnlyList<ConversationSummary>> GetConversationsAsync(CancellationToken cancellationToken = default) { Check(); return inner.GetConversationsAsync(cancellationToken); }

    public ValueTask<string?> GetPeerAddressAsync(EndpointId peer, CancellationToken cancellationToken = default) { Check(); return inner.GetPeerAddressAsync(peer, cancellationToken); }

    public ValueTask<StoredMessage?> GetMessageAsync(string messageId, CancellationToken cancellationToken = default) { Check(); return inner.GetMessageAsync(messageId, cancellationToken); }

    public ValueTask<MessageInfo?> GetMessageInfoAsync(string messageId, CancellationToken cancellationToken = default) { Check(); return inner.GetMessageInfoAsync(messageId, cancellationToken); }

    public ValueTask<bool> HasSeenControlAsync(EndpointId peer, string controlId, CancellationToken cancellationToken = default) { Check(); return inner.HasSeenControlAsync(peer, controlId, cancellationToken); }

    public ValueTask<bool> ContainsMessageAsync(string messageId, CancellationToken cancellationToken = default) { Check(); return inner.ContainsMessageAsync(messageId, cancellationToken); }

    public ValueTask<bool> ContainsMessageAsync(EndpointId peer, string messageId, CancellationToken cancellationToken = default)
    {
        Check();
        if (Interlocked.Exchange(ref _failNextLookup, 0) == 1)
        {
            throw new IOException("Simulated transient read failure.");
        }

        return inner.ContainsMessageAsync(peer, messageId, cancellationToken);
    }

    public ValueTask<IReadOnlyList<StoredMessage>> GetMessagesAsync(EndpointId peer, int limit, string? beforeMessageId, CancellationToken cancellationToken = default) { Check(); return inner.GetMessagesAsync(peer, limit, beforeMessageId, cancellationToken); }

    public ValueTask<IReadOnlyList<string>> GetUnreadMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default) { Check(); return inner.GetUnreadMessageIdsAsync(peer, cancellationToken); }

    public ValueTask<IReadOnlyList<OutboxEntry>> GetOutboxAsync(EndpointId peer, CancellationToken cancellationToken = default) { Check(); return inner.GetOutboxAsync(peer, cancellationToken); }

    public ValueTask<IReadOnlyList<EndpointId>> GetOutboxPeersAsync(CancellationToken cancellationToken = default) { Check(); return inner.GetOutboxPeersAsync(cancellationToken); }

    public async ValueTask<byte[]?> LoadSessionAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        Check();
        var state = await inner.LoadSessionAsync(peer, cancellationToken);
        Observe(state);
        return state;
    }

    public ValueTask<IReadOnlyList<StoredRecord>> GetRecordsAsync(string? kind, EndpointId? peer, int limit, DateTimeOffset? before, CancellationToken cancellationToken = default) { Check(); return inner.GetRecordsAsync(kind, peer, limit, before, cancellationToken); }

    /// <summary>Does not dispose the inner store: it outlives the "process".</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
