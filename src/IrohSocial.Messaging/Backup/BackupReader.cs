using System.Buffers.Binary;

namespace IrohSocial.Messaging.Backup;

/// <summary>Reads and verifies a whole sealed backup into memory; nothing is returned unless every byte checks.</summary>
internal static class BackupReader
{
    /// <summary>The decrypted contents of the file.</summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.BackupInvalid"/> or <see cref="MessagingError.BackupWrongPassphrase"/>.</exception>
    public static async Task<byte[]> ReadAsync(Stream input, string passphrase, long maxPlaintext, CancellationToken cancellationToken)
    {
        var headerBytes = new byte[BackupFormat.HeaderSize];
        if (await input.ReadAtLeastAsync(headerBytes, headerBytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) != headerBytes.Length)
        {
            throw Invalid("the file is shorter than a backup header");
        }

        var header = BackupFormat.ParseHeader(headerBytes) ?? throw Invalid("not a backup file of a known version, or its parameters are out of range");
        using var keys = new BackupFormat.Keys(passphrase, header.Salt, header.OpsLimit, header.MemLimit);
        if (!BackupFormat.VerifyHeader(keys, headerBytes))
        {
            throw new MessagingException(MessagingError.BackupWrongPassphrase, "The passphrase does not open this backup (or its header was altered).");
        }

        using var plaintext = new MemoryStream();
        var frameHead = new byte[5];
        for (ulong index = 0; ; index++)
        {
            if (await input.ReadAtLeastAsync(frameHead, 5, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) != 5)
            {
                throw Invalid("the file ends before its last chunk (truncated)");
            }

            var final = frameHead[0] switch
            {
                BackupFormat.ChunkFinal => true,
                BackupFormat.ChunkMore => false,
                _ => throw Invalid($"chunk {index} has an unknown flag"),
            };
            var length = BinaryPrimitives.ReadUInt32BigEndian(frameHead.AsSpan(1));
            // A chunk other than the last holds exactly one chunk of plaintext; the last holds at most that.
            if (length < BackupFormat.TagSize || length > header.ChunkSize + BackupFormat.TagSize || (!final && length != header.ChunkSize + BackupFormat.TagSize))
            {
                throw Invalid($"chunk {index} has an impossible length");
            }

            var cipher = new byte[length];
            if (await input.ReadAtLeastAsync(cipher, cipher.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) != cipher.Length)
            {
                throw Invalid("the file ends inside a chunk (truncated)");
            }

            var chunk = BackupFormat.OpenChunk(keys, headerBytes, index, final, cipher)
                ?? throw Invalid($"chunk {index} failed authentication (damaged, reordered, or taken from another file)");
            if (plaintext.Length + chunk.Length > maxPlaintext)
            {
                throw Invalid($"the contents are larger than the import limit of {maxPlaintext} bytes");
            }

            plaintext.Write(chunk);
            if (final)
            {
                break;
            }
        }

        if (await input.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) != 0)
        {
            throw Invalid("bytes follow the last chunk");
        }

        return plaintext.ToArray();
    }

    private static MessagingException Invalid(string why) => new(MessagingError.BackupInvalid, $"Not a valid backup: {why}. Nothing was imported.");
}
