using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>Conversations and the address book.</summary>
public interface IConversationStore
{
    /// <summary>All conversations that have at least one message, newest last message first.</summary>
    ValueTask<IReadOnlyList<ConversationSummary>> GetConversationsAsync(CancellationToken cancellationToken = default);

    /// <summary>The address ticket last saved for <paramref name="peer"/>, if any.</summary>
    ValueTask<string?> GetPeerAddressAsync(EndpointId peer, CancellationToken cancellationToken = default);
}
