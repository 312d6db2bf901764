using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>The receipt rule shared by the stores: a receipt never moves back; the message takes the least advanced one.</summary>
public static class GroupReceipts
{
    /// <summary>The message after <paramref name="operation"/>, or the same instance when nothing changes.</summary>
    public static GroupMessage Apply(GroupMessage message, SetGroupReceipt operation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(operation);
        if (message.Direction != MessageDirection.Outgoing || !message.Receipts.TryGetValue(operation.Member, out var current) || current >= operation.Status)
        {
            return message;
        }

        var receipts = new Dictionary<EndpointId, MessageStatus>(message.Receipts) { [operation.Member] = operation.Status };
        return message with { Receipts = receipts, Status = receipts.Values.Min() };
    }
}
