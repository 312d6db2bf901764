using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>One conversation as listed by <see cref="IConversationStore.GetConversationsAsync"/>.</summary>
/// <param name="Peer">The other participant.</param>
/// <param name="LastMessage">The newest message still stored.</param>
/// <param name="UnreadCount">Incoming messages not yet marked read.</param>
public sealed record ConversationSummary(EndpointId Peer, StoredMessage LastMessage, int UnreadCount);
