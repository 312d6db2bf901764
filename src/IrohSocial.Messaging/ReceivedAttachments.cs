using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal;

namespace IrohSocial.Messaging;

/// <summary>
/// Read access to the received attachments that a <see cref="DmClient"/> kept, without a running client (for tools
/// that open a data folder offline). Attachments are sealed at rest under keys derived from the identity, so this
/// needs the same <see cref="AtRestSealer"/> and folder the client used (<see cref="DmClientOptions.AttachmentDirectory"/>).
/// </summary>
public sealed class ReceivedAttachments : IDisposable
{
    private readonly AttachmentVault _vault;

    /// <summary>Opens the attachment folder <paramref name="directory"/> (null = the client's default for <paramref name="sealer"/>'s identity).</summary>
    public ReceivedAttachments(string? directory, AtRestSealer sealer, EndpointId localId)
    {
        ArgumentNullException.ThrowIfNull(sealer);
        _vault = new AttachmentVault(directory ?? AttachmentVault.DefaultRoot(localId, sealer), sealer);
    }

    /// <summary>Whether the attachment was received completely (its hash verified) and is stored.</summary>
    public bool Contains(EndpointId peer, string messageId, string attachmentId)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(attachmentId);
        return _vault.Contains(peer, messageId, attachmentId);
    }

    /// <summary>Opens a received attachment; the stream decrypts as it is read (see <see cref="DmClient.OpenAttachmentAsync"/>).</summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.AttachmentNotFound"/> or <see cref="MessagingError.AttachmentCorrupt"/>.</exception>
    public Stream OpenRead(EndpointId peer, string messageId, string attachmentId)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(attachmentId);
        return _vault.OpenRead(peer, messageId, attachmentId);
    }

    /// <inheritdoc/>
    public void Dispose() => _vault.Dispose();
}
