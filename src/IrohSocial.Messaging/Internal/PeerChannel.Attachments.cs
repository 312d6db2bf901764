using System.Collections.Concurrent;
using System.Security.Cryptography;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Internal;

internal sealed partial class PeerChannel
{
    private const byte AttachmentAccepted = 0x00;
    private const byte AttachmentRejected = 0x01;

    /// <summary>Most announced attachments waiting for their bytes per peer; the oldest is forgotten first.</summary>
    internal const int MaxExpectedAttachments = 256;

    /// <summary>How long an announced attachment waits for its bytes before its key is forgotten.</summary>
    internal static readonly TimeSpan ExpectedAttachmentLifetime = TimeSpan.FromHours(1);

    // Keys of attachments announced by received messages, until their bytes arrive. In memory only: if the
    // receiver restarts in between, the upload is rejected and the sender sees the failure. Bounded and expiring,
    // so a peer cannot pile up keys, and each key is wiped when it is dropped.
    private readonly ConcurrentDictionary<(string MessageId, string AttachmentId), ExpectedAttachment> _expectedAttachments = new();

    private sealed record ExpectedAttachment(AttachmentDescriptor Descriptor, long AnnouncedAt, long Order);

    private long _announcements;

    internal int ExpectedAttachmentCount => _expectedAttachments.Count;

    private void ExpectAttachments(MessageControl message) => ExpectAttachments(message.Id, message.Attachments ?? []);

    /// <summary>
    /// Accepts later uploads of these attachments under <paramref name="messageId"/> (direct and group messages
    /// announce them); bounded in number and lifetime, replaced keys wiped.
    /// </summary>
    private void ExpectAttachments(string messageId, IReadOnlyList<AttachmentDescriptor> attachments)
    {
        var now = _rt.Time.GetTimestamp();
        foreach (var attachment in attachments)
        {
            if (_expectedAttachments.TryGetValue((messageId, attachment.Id), out var older))
            {
                CryptographicOperations.ZeroMemory(older.Descriptor.Key);
            }

            _expectedAttachments[(messageId, attachment.Id)] = new ExpectedAttachment(attachment, now, Interlocked.Increment(ref _announcements));
        }

        // Expired ones go, then the oldest while over the bound.
        foreach (var (key, expected) in _expectedAttachments)
        {
            if (_rt.Time.GetElapsedTime(expected.AnnouncedAt) > ExpectedAttachmentLifetime)
            {
                ForgetExpected(key);
            }
        }

        while (_expectedAttachments.Count > MaxExpectedAttachments)
        {
            ForgetExpected(_expectedAttachments.MinBy(e => e.Value.Order).Key);
        }
    }

    private void ForgetExpected((string MessageId, string AttachmentId) key)
    {
        if (_expectedAttachments.TryRemove(key, out var expected))
        {
            CryptographicOperations.ZeroMemory(expected.Descriptor.Key);
        }
    }

    /// <summary>Uploads one attachment on its own stream and waits for the receiver's verdict.</summary>
    public async Task UploadAttachmentAsync(string messageId, AttachmentDescriptor descriptor, AttachmentSource source, Stream stream, CancellationToken cancellationToken)
    {
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                await WriteAttachmentAsync(messageId, descriptor, source, stream, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TransportException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // A receiver that refuses early (over its size limit, nothing announced) answers at once and stops
                // reading, which over QUIC aborts our writes: its verdict is still readable and says why.
                if (await TryReadVerdictAsync(stream, cancellationToken).ConfigureAwait(false) == AttachmentRejected)
                {
                    throw new MessagingException(MessagingError.AttachmentCorrupt, $"The peer rejected attachment {descriptor.Id}.", ex);
                }

                throw;
            }

            var verdict = new byte[1];
            var read = await stream.ReadAtLeastAsync(verdict, 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read != 1 || verdict[0] != AttachmentAccepted)
            {
                throw new MessagingException(MessagingError.AttachmentCorrupt, $"The peer rejected attachment {descriptor.Id}.");
            }
        }
    }

    private static async Task WriteAttachmentAsync(string messageId, AttachmentDescriptor descriptor, AttachmentSource source, Stream stream, CancellationToken cancellationToken)
    {
        await FrameCodec.WriteFrameAsync(stream, new AttachmentHeader(messageId, descriptor.Id).ToJson(), cancellationToken).ConfigureAwait(false);
        using var cipher = new AttachmentCipher(descriptor.Key, messageId, descriptor.Id);
        var chunks = ChunkCount(descriptor.Size);
        var buffer = new byte[AttachmentCipher.ChunkSize];
        long sent = 0;
        var input = source.OpenRead();
        await using (input.ConfigureAwait(false))
        {
            for (ulong index = 0; index < chunks; index++)
            {
                var want = (int)Math.Min(AttachmentCipher.ChunkSize, descriptor.Size - sent);
                await input.ReadExactlyAsync(buffer.AsMemory(0, want), cancellationToken).ConfigureAwait(false);
                await FrameCodec.WriteFrameAsync(stream, cipher.Seal(index, buffer.AsSpan(0, want), index == chunks - 1), cancellationToken).ConfigureAwait(false);
                sent += want;
                source.Progress?.Report(new AttachmentProgress(messageId, descriptor.Id, sent, descriptor.Size));
            }
        }
    }

    /// <summary>After a failed write: the receiver's one-byte verdict, or null when the stream ends or breaks without one.</summary>
    private static async Task<byte?> TryReadVerdictAsync(Stream stream, CancellationToken cancellationToken)
    {
        var verdict = new byte[1];
        try
        {
            return await stream.ReadAtLeastAsync(verdict, 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == 1 ? verdict[0] : null;
        }
        catch (Exception ex) when (ex is TransportException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Receives one attachment stream: decrypts, re-seals into the vault, checks size and SHA-256, then publishes the file.</summary>
    public async Task ReceiveAttachmentAsync(Stream stream, CancellationToken cancellationToken)
    {
        var headerFrame = await FrameCodec.ReadFrameAsync(stream, _rt.Options.MaxFrameSize, cancellationToken).ConfigureAwait(false)
            ?? throw new MessagingException(MessagingError.MalformedFrame, "The attachment stream ended before its header.");
        var header = AttachmentHeader.Parse(headerFrame);
        if (!_expectedAttachments.TryRemove((header.MessageId, header.AttachmentId), out var expected)
            || _rt.Time.GetElapsedTime(expected.AnnouncedAt) > ExpectedAttachmentLifetime)
        {
            if (expected is not null)
            {
                CryptographicOperations.ZeroMemory(expected.Descriptor.Key);
            }

            await RejectAttachmentAsync(stream, header.AttachmentId, "no message announced it (or it expired)", cancellationToken).ConfigureAwait(false);
            return;
        }

        var descriptor = expected.Descriptor;
        try
        {
            await ReceiveAnnouncedAsync(header, descriptor, stream, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(descriptor.Key);
        }
    }

    private async Task ReceiveAnnouncedAsync(AttachmentHeader header, AttachmentDescriptor descriptor, Stream stream, CancellationToken cancellationToken)
    {
        if (descriptor.Size > _rt.Options.MaxAttachmentSize)
        {
            await RejectAsync("over the size limit").ConfigureAwait(false);
            return;
        }

        AttachmentVault.Writer writer;
        try
        {
            writer = _rt.Vault.CreateWriter(Peer, header.MessageId, header.AttachmentId);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            await RejectAsync("the attachment folder is not private: " + ex.Message).ConfigureAwait(false);
            return;
        }

        string? finalPath = null;
        string? rejection = null;
        using (writer)
        {
            using var cipher = new AttachmentCipher(descriptor.Key, header.MessageId, header.AttachmentId);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var chunks = ChunkCount(descriptor.Size);
            long received = 0;
            for (ulong index = 0; index < chunks; index++)
            {
                var frame = await FrameCodec.ReadFrameAsync(stream, AttachmentCipher.ChunkSize + AttachmentCipher.TagSize, cancellationToken).ConfigureAwait(false);
                if (frame is null || !cipher.TryOpen(index, frame, index == chunks - 1, out var chunk) || received + chunk.Length > descriptor.Size)
                {
                    rejection = "a chunk is missing, tampered or too long";
                    break;
                }

                hash.AppendData(chunk);
                await writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                CryptographicOperations.ZeroMemory(chunk);
                received += chunk.Length;
                _rt.Options.IncomingAttachmentProgress?.Report(new AttachmentProgress(header.MessageId, header.AttachmentId, received, descriptor.Size));
            }

            if (rejection is null && (received != descriptor.Size || Convert.ToHexStringLower(hash.GetHashAndReset()) != descriptor.Sha256))
            {
                rejection = "size or SHA-256 differs from the announcement";
            }

            if (rejection is null)
            {
                finalPath = await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // The writer is disposed (an unverified .part file deleted) before the sender hears the verdict.
        if (finalPath is null)
        {
            await RejectAsync(rejection!).ConfigureAwait(false);
            return;
        }

        await stream.WriteAsync(new[] { AttachmentAccepted }, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var attachment = new MediaAttachment(descriptor.Id, descriptor.Name, descriptor.MimeType, descriptor.Size, descriptor.Sha256);
        _rt.Raise(new AttachmentReceivedEvent(Peer, header.MessageId, attachment, finalPath));

        Task RejectAsync(string reason) => RejectAttachmentAsync(stream, header.AttachmentId, reason, cancellationToken);
    }

    private async Task RejectAttachmentAsync(Stream stream, string attachmentId, string reason, CancellationToken cancellationToken)
    {
        Log.AttachmentRejected(_rt.Logger, attachmentId, Peer, reason);
        await stream.WriteAsync(new[] { AttachmentRejected }, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static ulong ChunkCount(long size) => size == 0 ? 1 : (ulong)((size + AttachmentCipher.ChunkSize - 1) / AttachmentCipher.ChunkSize);
}
