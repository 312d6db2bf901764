using System.Collections.Concurrent;
using System.Security.Cryptography;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

internal sealed partial class PeerChannel
{
    private const byte AttachmentAccepted = 0x00;
    private const byte AttachmentRejected = 0x01;

    // Keys of attachments announced by received messages, until their bytes arrive. In memory only: if the
    // receiver restarts in between, the upload is rejected and the sender sees the failure.
    private readonly ConcurrentDictionary<(string MessageId, string AttachmentId), AttachmentDescriptor> _expectedAttachments = new();

    private void ExpectAttachments(MessageControl message)
    {
        foreach (var attachment in message.Attachments ?? [])
        {
            _expectedAttachments[(message.Id, attachment.Id)] = attachment;
        }
    }

    /// <summary>Uploads one attachment on its own stream and waits for the receiver's verdict.</summary>
    public async Task UploadAttachmentAsync(string messageId, AttachmentDescriptor descriptor, AttachmentSource source, Stream stream, CancellationToken cancellationToken)
    {
        await using (stream.ConfigureAwait(false))
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

            var verdict = new byte[1];
            var read = await stream.ReadAtLeastAsync(verdict, 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read != 1 || verdict[0] != AttachmentAccepted)
            {
                throw new MessagingException(MessagingError.AttachmentCorrupt, $"The peer rejected attachment {descriptor.Id}.");
            }
        }
    }

    /// <summary>Receives one attachment stream: decrypts, re-seals into the vault, checks size and SHA-256, then publishes the file.</summary>
    public async Task ReceiveAttachmentAsync(Stream stream, CancellationToken cancellationToken)
    {
        var headerFrame = await FrameCodec.ReadFrameAsync(stream, _rt.Options.MaxFrameSize, cancellationToken).ConfigureAwait(false)
            ?? throw new MessagingException(MessagingError.MalformedFrame, "The attachment stream ended before its header.");
        var header = AttachmentHeader.Parse(headerFrame);
        if (!_expectedAttachments.TryRemove((header.MessageId, header.AttachmentId), out var descriptor))
        {
            await RejectAsync("no message announced it").ConfigureAwait(false);
            return;
        }

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

        async Task RejectAsync(string reason)
        {
            Log.AttachmentRejected(_rt.Logger, header.AttachmentId, Peer, reason);
            await stream.WriteAsync(new[] { AttachmentRejected }, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static ulong ChunkCount(long size) => size == 0 ? 1 : (ulong)((size + AttachmentCipher.ChunkSize - 1) / AttachmentCipher.ChunkSize);
}
