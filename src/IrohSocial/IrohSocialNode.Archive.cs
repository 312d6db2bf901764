using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;

namespace IrohSocial;

public sealed partial class IrohSocialNode
{
    /// <summary>Searches stored messages; see <see cref="DmClient.SearchMessagesAsync"/>.</summary>
    public Task<IReadOnlyList<StoredMessage>> SearchMessagesAsync(string query, EndpointId? peer = null, int limit = 50, string? beforeMessageId = null, CancellationToken cancellationToken = default) =>
        Messages.SearchMessagesAsync(query, peer, limit, beforeMessageId, cancellationToken);

    /// <summary>Writes an encrypted backup (messages, attachments, call history, contacts); see <see cref="DmClient.ExportAsync"/>.</summary>
    public Task<BackupSummary> ExportAsync(Stream output, string passphrase, BackupOptions? options = null, CancellationToken cancellationToken = default) =>
        Messages.ExportAsync(output, passphrase, options, cancellationToken);

    /// <summary>Restores an encrypted backup; see <see cref="DmClient.ImportAsync"/>.</summary>
    public Task<BackupSummary> ImportAsync(Stream input, string passphrase, CancellationToken cancellationToken = default) =>
        Messages.ImportAsync(input, passphrase, cancellationToken);
}
