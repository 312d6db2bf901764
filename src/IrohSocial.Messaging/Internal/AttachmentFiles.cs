using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Internal;

/// <summary>Where a received attachment's verified bytes live (shared by the receiver and the backup).</summary>
internal static class AttachmentFiles
{
    public static string Folder(DmClientOptions options, EndpointId localId) =>
        options.AttachmentDirectory ?? Path.Combine(Path.GetTempPath(), "irohsocial-attachments", localId.ToString());

    /// <summary>File name inside <see cref="Folder"/>. Ids are sender-chosen: only safe characters are kept so they can never escape it.</summary>
    public static string FileName(string messageId, string attachmentId) => Sanitize(messageId) + "-" + Sanitize(attachmentId);

    private static string Sanitize(string id) => new([.. id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
}
