namespace IrohSocial.Messaging;

/// <summary>Where <see cref="DmClient"/> writes the verified bytes of received attachments.</summary>
public static class ReceivedAttachments
{
    /// <summary>
    /// The file an attachment of a received message is written to, under <paramref name="directory"/>
    /// (<see cref="DmClientOptions.AttachmentDirectory"/>). Ids are chosen by the sender, so every character but
    /// ASCII letters, digits, '-' and '_' is replaced: the name can never leave the folder.
    /// </summary>
    public static string GetPath(string directory, string messageId, string attachmentId)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(attachmentId);
        return Path.Combine(directory, Sanitize(messageId) + "-" + Sanitize(attachmentId));
    }

    private static string Sanitize(string id) => new([.. id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
}
