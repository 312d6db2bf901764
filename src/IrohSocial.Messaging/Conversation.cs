using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging;

/// <summary>A conversation as shown to the app.</summary>
/// <param name="Peer">The other participant.</param>
/// <param name="ConversationId">See <see cref="Messaging.ConversationId.Compute"/>.</param>
/// <param name="LastMessage">The newest message.</param>
/// <param name="UnreadCount">Incoming messages not yet marked read.</param>
public sealed record Conversation(EndpointId Peer, string ConversationId, StoredMessage LastMessage, int UnreadCount);
