using System.Security.Cryptography;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Backup;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    /// <summary>Largest backup contents <see cref="ImportAsync"/> accepts (they are held in memory until verified): 1 GiB.</summary>
    public const long MaxImportSize = 1L << 30;

    /// <summary>
    /// Writes an encrypted backup of conversations, messages, received attachment files, call history and saved peer
    /// addresses to <paramref name="output"/>: one file sealed under a key derived from <paramref name="passphrase"/>
    /// with Argon2id, then XChaCha20-Poly1305 in chunks (format in docs/protocol.md, "Backup file"). Ratchet
    /// sessions and the outbox are not included: restoring an old ratchet state would reuse message keys.
    /// </summary>
    /// <param name="output">Receives the file; not closed.</param>
    /// <param name="passphrase">The secret the file is sealed with; the same is needed to import it.</param>
    /// <param name="options">Argon2id cost and chunk size; <see cref="BackupOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels the export (the output is then incomplete and will not import).</param>
    public async Task<BackupSummary> ExportAsync(Stream output, string passphrase, BackupOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        options ??= BackupOptions.Default;
        options.Validate();
        ThrowIfDisposed();
        var (document, summary) = await CollectBackupAsync(cancellationToken).ConfigureAwait(false);
        var salt = RandomNumberGenerator.GetBytes(BackupFormat.SaltSize);
        using var keys = new BackupFormat.Keys(passphrase, salt, options.OpsLimit, options.MemLimit);
        var header = BackupFormat.WriteHeader(keys, options.OpsLimit, options.MemLimit, salt, options.ChunkSize, RandomNumberGenerator.GetBytes(BackupFormat.NoncePrefixSize));
        await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        var sealing = new BackupSealingStream(output, keys, header, options.ChunkSize);
        await using (sealing.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(sealing, document, BackupJsonContext.Default.BackupDocument, cancellationToken).ConfigureAwait(false);
            await sealing.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return summary;
    }

    /// <summary>
    /// Writes the same contents as <see cref="ExportAsync"/> as readable, UNENCRYPTED JSON (attachments in base64),
    /// for users who leave. Anyone who gets the file reads every message: warn the user before calling this.
    /// </summary>
    public async Task<BackupSummary> ExportPlaintextAsync(Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ThrowIfDisposed();
        var (document, summary) = await CollectBackupAsync(cancellationToken).ConfigureAwait(false);
        await JsonSerializer.SerializeAsync(output, document, BackupJsonContext.Default.BackupDocument, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return summary;
    }

    /// <summary>
    /// Restores a file written by <see cref="ExportAsync"/> into this client's store (fresh or not). The whole file is
    /// read and verified first: a wrong passphrase, a damaged, truncated or reordered file, or a backup of another
    /// identity writes nothing. Then messages, extension records (call history) and contacts are added in one store transaction and attachment
    /// files are written. Idempotent: messages already present (or deleted here) are skipped, records are replaced by kind and
    /// id, and a peer address is only filled in where none is saved.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.BackupInvalid"/>,
    /// <see cref="MessagingError.BackupWrongPassphrase"/> or <see cref="MessagingError.BackupWrongIdentity"/>.</exception>
    public async Task<BackupSummary> ImportAsync(Stream input, string passphrase, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        ThrowIfDisposed();
        var plaintext = await BackupReader.ReadAsync(input, passphrase, MaxImportSize, cancellationToken).ConfigureAwait(false);
        BackupDocument document;
        try
        {
            document = JsonSerializer.Deserialize(plaintext, BackupJsonContext.Default.BackupDocument)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException ex)
        {
            throw new MessagingException(MessagingError.BackupInvalid, "The backup verified but its contents are not a backup document. Nothing was imported.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        return await RestoreAsync(document, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(BackupDocument Document, BackupSummary Summary)> CollectBackupAsync(CancellationToken cancellationToken)
    {
        var store = _options.Store;
        var messages = new List<BackupMessage>();
        var attachmentFiles = 0;
        var peers = new HashSet<EndpointId>();
        foreach (var conversation in await store.GetConversationsAsync(cancellationToken).ConfigureAwait(false))
        {
            peers.Add(conversation.Peer);
            foreach (var m in await store.GetMessagesAsync(conversation.Peer, int.MaxValue, null, cancellationToken).ConfigureAwait(false))
            {
                var attachments = new List<BackupAttachment>(m.Attachments.Count);
                foreach (var a in m.Attachments)
                {
                    // Only received attachments are kept (sealed) here; a sent one's bytes stayed wherever the app read them.
                    byte[]? data = m.Direction == MessageDirection.Incoming
                        ? await ReadReceivedAttachmentAsync(m.Peer, m.Id, a.Id, cancellationToken).ConfigureAwait(false)
                        : null;
                    attachmentFiles += data is null ? 0 : 1;
                    attachments.Add(new BackupAttachment(a.Id, a.Name, a.MimeType, a.Size, a.Sha256, data));
                }

                messages.Add(new BackupMessage(m.Id, m.Peer.ToString(), m.Direction.ToString(), m.Content, m.Timestamp, m.ReplyTo, m.Status.ToString(), attachments));
            }
        }

        var records = new List<BackupRecord>();
        foreach (var record in await store.GetRecordsAsync(null, null, int.MaxValue, null, cancellationToken).ConfigureAwait(false))
        {
            if (TryParseJson(record.Body) is { } body)
            {
                records.Add(new BackupRecord(record.Kind, record.Id, record.Peer.ToString(), record.Time, body));
                peers.Add(record.Peer);
            }
            else
            {
                Log.UnreadableRecord(_logger, record.Kind, "not JSON; left out of the backup");
            }
        }

        peers.UnionWith(await store.GetOutboxPeersAsync(cancellationToken).ConfigureAwait(false));
        var contacts = new List<BackupContact>();
        foreach (var peer in peers.OrderBy(p => p.ToString(), StringComparer.Ordinal))
        {
            if (await store.GetPeerAddressAsync(peer, cancellationToken).ConfigureAwait(false) is { } ticket)
            {
                contacts.Add(new BackupContact(peer.ToString(), ticket));
            }
        }

        var document = new BackupDocument(
            BackupDocument.FormatName, BackupDocument.CurrentVersion, LocalId.ToString(), _options.TimeProvider.GetUtcNow(), contacts, messages, records);
        return (document, new BackupSummary(messages.Count, attachmentFiles, records.Count, contacts.Count));
    }

    private async Task<BackupSummary> RestoreAsync(BackupDocument document, CancellationToken cancellationToken)
    {
        if (document.Format != BackupDocument.FormatName || document.Version is not (BackupDocument.CurrentVersion or BackupDocument.CallsVersion))
        {
            throw new MessagingException(MessagingError.BackupInvalid, $"The backup holds '{document.Format}' version {document.Version}; this build reads '{BackupDocument.FormatName}' {BackupDocument.CurrentVersion}. Nothing was imported.");
        }

        if (!EndpointId.TryParse(document.Identity, out var identity) || identity != LocalId)
        {
            throw new MessagingException(MessagingError.BackupWrongIdentity, "The backup was made by another identity. Nothing was imported.");
        }

        // Convert everything first, so a bad field fails before the first write.
        var store = _options.Store;
        var operations = new List<StoreOperation>();
        var files = new List<(EndpointId Peer, string MessageId, string AttachmentId, byte[] Data, string Sha256)>();
        var added = 0;
        try
        {
            foreach (var m in document.Messages)
            {
                if (m.Id is not { Length: > 0 and <= Control.MaxIdLength })
                {
                    throw new FormatException("A message id is empty or too long.");
                }

                if (await store.ContainsMessageAsync(m.Id, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                var attachments = m.Attachments.Select(a => new MediaAttachment(a.Id, a.Name, a.MimeType, a.Size, a.Sha256)).ToList();
                operations.Add(new InsertMessage(new StoredMessage(
                    m.Id, EndpointId.Parse(m.Peer), ParseEnum<MessageDirection>(m.Direction), m.Content, m.Timestamp, m.ReplyTo, attachments, ParseEnum<MessageStatus>(m.Status))));
                files.AddRange(m.Attachments.Where(a => a.Data is not null).Select(a => (EndpointId.Parse(m.Peer), m.Id, a.Id, a.Data!, a.Sha256)));
                added++;
            }

            var records = (document.Records ?? []).Select(ToStoredRecord).Concat((document.Calls ?? []).Select(LegacyCallRecords.ToRecord)).ToList();
            operations.AddRange(records.Select(r => new SaveRecord(r)));
            var contacts = 0;
            foreach (var contact in document.Contacts)
            {
                var peer = EndpointId.Parse(contact.Peer);
                if (!Transport.EndpointAddr.TryParseTicket(contact.Ticket, out _))
                {
                    throw new FormatException("A contact's ticket does not parse.");
                }

                if (await store.GetPeerAddressAsync(peer, cancellationToken).ConfigureAwait(false) is null)
                {
                    operations.Add(new SavePeerAddress(peer, contact.Ticket));
                    contacts++;
                }
            }

            if (operations.Count > 0)
            {
                await store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
            }

            var written = await WriteAttachmentFilesAsync(files, cancellationToken).ConfigureAwait(false);
            return new BackupSummary(added, written, records.Count, contacts);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new MessagingException(MessagingError.BackupInvalid, "The backup verified but holds a malformed field. Nothing was imported.", ex);
        }
    }

    private static StoredRecord ToStoredRecord(BackupRecord record)
    {
        if (!Records.RecordKind<object>.IsValidName(record.Kind))
        {
            throw new FormatException("A record kind is not a valid name.");
        }

        if (record.Id is not { Length: > 0 } || System.Text.Encoding.UTF8.GetByteCount(record.Id) > StoredRecord.MaxIdBytes)
        {
            throw new FormatException("A record id is empty or too long.");
        }

        // Compact, as the extension wrote it (the document itself is indented).
        using var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body))
        {
            record.Body.WriteTo(writer);
        }

        return new StoredRecord(record.Kind, record.Id, EndpointId.Parse(record.Peer), record.Time, body.ToArray());
    }

    private static JsonElement? TryParseJson(byte[] body)
    {
        try
        {
            using var parsed = JsonDocument.Parse(body);
            return parsed.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static T ParseEnum<T>(string text)
        where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: false, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(text[0])
            ? value
            : throw new FormatException($"'{text}' is not a {typeof(T).Name}.");

    private async Task<byte[]?> ReadReceivedAttachmentAsync(EndpointId peer, string messageId, string attachmentId, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = _vault.OpenRead(peer, messageId, attachmentId);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (MessagingException ex) when (ex.Error == MessagingError.AttachmentNotFound)
        {
            return null;
        }
    }

    private async Task<int> WriteAttachmentFilesAsync(List<(EndpointId Peer, string MessageId, string AttachmentId, byte[] Data, string Sha256)> files, CancellationToken cancellationToken)
    {
        var written = 0;
        foreach (var (peer, messageId, attachmentId, data, sha256) in files)
        {
            // The hash was announced by the sender; bytes that do not match it are not restored. The vault seals the
            // file and never replaces one already received.
            if (Convert.ToHexStringLower(SHA256.HashData(data)) != sha256 || _vault.Contains(peer, messageId, attachmentId))
            {
                continue;
            }

            using var writer = _vault.CreateWriter(peer, messageId, attachmentId);
            await writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
            written++;
        }

        return written;
    }
}
