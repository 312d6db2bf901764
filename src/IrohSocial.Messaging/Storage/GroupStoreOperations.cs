using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>A write of group data (see <see cref="IGroupStore"/>).</summary>
public abstract record GroupStoreOperation : StoreOperation
{
    // Only the SDK defines operations: a store must know every kind it can be handed.
    private protected GroupStoreOperation()
    {
    }
}

/// <summary>Saves a group's state unless the store already holds a higher revision of it.</summary>
public sealed record SaveGroup(GroupRecord Group) : GroupStoreOperation;

/// <summary>Inserts a group message; ignored when a group message with the same id exists.</summary>
public sealed record InsertGroupMessage(GroupMessage Message) : GroupStoreOperation;

/// <summary>Sets the local status of an incoming group message (marking it read).</summary>
public sealed record SetGroupMessageStatus(string MessageId, MessageStatus Status) : GroupStoreOperation;

/// <summary>
/// Records a recipient's progress on an outgoing group message (never moving it back, ignored for non-recipients)
/// and sets the message's status to the least advanced receipt.
/// </summary>
public sealed record SetGroupReceipt(string MessageId, EndpointId Member, MessageStatus Status) : GroupStoreOperation;
