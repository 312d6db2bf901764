using IrohSocial.Messaging.Storage;

namespace IrohSocial.Cli;

/// <summary>Finds a stored message by its id or any unique prefix of it (the tool prints 8 characters).</summary>
public static class MessageArgument
{
    /// <summary>How far back a prefix is looked for, per conversation.</summary>
    private const int SearchDepth = 10_000;

    /// <exception cref="CliException">No message, or several, match.</exception>
    public static async Task<StoredMessage> ResolveAsync(string text, CliNode node, CancellationToken cancellationToken)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            throw new CliException("a message id is empty.");
        }

        if (await node.Store.GetMessageAsync(text, cancellationToken) is { } exact)
        {
            return exact;
        }

        var matches = new List<StoredMessage>();
        foreach (var conversation in await node.Store.GetConversationsAsync(cancellationToken))
        {
            var messages = await node.Store.GetMessagesAsync(conversation.Peer, SearchDepth, null, cancellationToken);
            matches.AddRange(messages.Where(m => m.Id.StartsWith(text, StringComparison.OrdinalIgnoreCase)));
        }

        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CliException($"no message id starts with '{text}' (see `irohsocial messages PEER`)."),
            _ => throw new CliException($"'{text}' matches {matches.Count} messages; type more of the id."),
        };
    }

    /// <summary>
    /// Resolves <c>MESSAGE/ATTACHMENT</c>, or <c>MESSAGE</c> alone when the message has exactly one attachment.
    /// </summary>
    public static async Task<(StoredMessage Message, MediaAttachment Attachment)> ResolveAttachmentAsync(string text, CliNode node, CancellationToken cancellationToken)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var message = await ResolveAsync(slash < 0 ? text : text[..slash], node, cancellationToken);
        if (message.Attachments.Count == 0)
        {
            throw new CliException($"message {Output.ShortId(message.Id)} has no attachments.");
        }

        if (slash < 0)
        {
            return message.Attachments.Count == 1
                ? (message, message.Attachments[0])
                : throw new CliException($"message {Output.ShortId(message.Id)} has {message.Attachments.Count} attachments; name one: {string.Join(", ", message.Attachments.Select(a => $"{Output.ShortId(message.Id)}/{a.Id} ({a.Name})"))}.");
        }

        var attachmentId = text[(slash + 1)..];
        return (message, message.Attachments.FirstOrDefault(a => a.Id == attachmentId)
            ?? throw new CliException($"message {Output.ShortId(message.Id)} has no attachment '{attachmentId}' (it has {string.Join(", ", message.Attachments.Select(a => a.Id))})."));
    }
}
