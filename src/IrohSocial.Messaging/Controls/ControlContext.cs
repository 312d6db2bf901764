using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Controls;

/// <summary>
/// What a control handler sees and may do. Handlers run while the sender's session is locked and before the
/// session's advance is committed: they must not send to that peer themselves. They add store operations (
/// committed in the same transaction as the session advance that decrypted the control, so a crash loses
/// neither or both), events (raised after that commit), actions to run after the commit (e.g. waking the
/// outbox of peers something was queued for) and actions to run if it fails.
/// </summary>
public sealed class ControlContext
{
    private readonly List<StoreOperation> _operations;
    private readonly List<DmEvent> _events;
    private readonly List<Action> _afterCommit;

    internal ControlContext(EndpointId peer, string controlId, List<StoreOperation> operations, List<DmEvent> events, List<Action> afterCommit, Action<string, IReadOnlyList<AttachmentDescriptor>>? expectAttachments = null)
    {
        Peer = peer;
        ControlId = controlId;
        _operations = operations;
        _events = events;
        _afterCommit = afterCommit;
        ExpectAttachmentsHook = expectAttachments;
    }

    /// <summary>The sender, as proven by TLS and the session.</summary>
    public EndpointId Peer { get; }

    /// <summary>Id of the control being handled (or acknowledged).</summary>
    public string ControlId { get; }

    /// <summary>For the SDK's groups: announces attachments so the peer's uploads are accepted.</summary>
    internal Action<string, IReadOnlyList<AttachmentDescriptor>>? ExpectAttachmentsHook { get; }

    /// <summary>Adds a store write to the transaction that commits this control.</summary>
    public void Store(StoreOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        _operations.Add(operation);
    }

    /// <summary>Raises an event once the transaction committed (through the client's events and stream).</summary>
    public void Raise(DmEvent dmEvent)
    {
        ArgumentNullException.ThrowIfNull(dmEvent);
        _events.Add(dmEvent);
    }

    internal List<Action>? AfterFailureList { get; init; }

    /// <summary>
    /// Runs <paramref name="action"/> when the transaction will not commit (a store failure, or the stream broke
    /// first): undo in-memory state that assumed it would. The peer will send the control again.
    /// </summary>
    public void AfterFailure(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        AfterFailureList?.Add(action);
    }

    /// <summary>Runs <paramref name="action"/> once the transaction committed; exceptions are logged and swallowed.</summary>
    public void AfterCommit(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _afterCommit.Add(action);
    }
}
