using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// Received attachments at rest. Each lives in <c>root/&lt;peer tag&gt;/</c> (both folders owner-only, see
/// <see cref="PrivateFolder"/>) under a name that is an HMAC of (peer, message id, attachment id) with a key
/// derived from the identity: distinct ids never share a name and other local users cannot predict one. Files
/// are written to a random <c>.part</c> name opened with <see cref="FileMode.CreateNew"/> (which never follows
/// a link) and appear under their final name only after the caller verified the hash; an existing final file
/// is never replaced. The peer's folder is named by a blind index of its id (<see cref="BlindIndex"/>, label
/// "iroh-social/attachment-folders/1"), so the folder list does not say whom the files came from; folders of older
/// versions, named by the peer's hex id, are renamed when the vault opens.
/// </summary>
/// <remarks>
/// File layout: <c>[u8 version=1][32-byte random salt][chunks]</c>. Chunk key =
/// HKDF-SHA256(ikm = files key, salt, info = "iroh-social/attachment-file/1" || peer id), chunks sealed with
/// <see cref="AttachmentCipher"/> (64 KiB plaintext each, the last flagged), so a file cut at a chunk boundary
/// or edited does not open. Files key and names key: <see cref="AtRestSealer.DeriveKey"/> with
/// "iroh-social/attachment-files/1" and "iroh-social/attachment-names/1".
/// </remarks>
internal sealed class AttachmentVault : IDisposable
{
    public const string FilesKeyLabel = "iroh-social/attachment-files/1";
    public const string NamesKeyLabel = "iroh-social/attachment-names/1";
    public const string FoldersIndexLabel = "iroh-social/attachment-folders/1";
    public const string RootIndexLabel = "iroh-social/attachment-root/1";
    private const string FileKeyInfo = "iroh-social/attachment-file/1";
    private const byte FormatVersion = 1;
    private const int SaltSize = 32;
    private const int HeaderSize = 1 + SaltSize;
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly byte[] _filesKey = GC.AllocateArray<byte>(32, pinned: true);
    private readonly byte[] _namesKey = GC.AllocateArray<byte>(32, pinned: true);
    private readonly BlindIndex _folders;

    public AttachmentVault(string root, AtRestSealer sealer)
    {
        Root = Path.GetFullPath(root);
        sealer.DeriveKey(FilesKeyLabel, _filesKey);
        sealer.DeriveKey(NamesKeyLabel, _namesKey);
        _folders = new BlindIndex(sealer, FoldersIndexLabel);
        RenameIdNamedFolders();
    }

    /// <summary>Older versions named each peer's folder by its hex id: give those folders their blind names.</summary>
    private void RenameIdNamedFolders()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            if (!EndpointId.TryParse(Path.GetFileName(folder), out var peer) || new DirectoryInfo(folder).LinkTarget is not null)
            {
                continue;
            }

            var target = PeerFolder(peer);
            if (!Directory.Exists(target))
            {
                Directory.Move(folder, target);
                continue;
            }

            // Both exist (an older version ran after a newer one): move file by file, never replacing one.
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                var destination = Path.Combine(target, Path.GetFileName(file));
                if (!File.Exists(destination))
                {
                    File.Move(file, destination);
                }
            }
        }
    }

    public string Root { get; }

    /// <summary>
    /// The per-user default: <c>LocalApplicationData/IrohSocial/&lt;tag&gt;/attachments</c>, never the shared temp folder;
    /// the tag is a blind index of the local id (label <see cref="RootIndexLabel"/>), so the path does not name the owner.
    /// </summary>
    public static string DefaultRoot(EndpointId local, AtRestSealer sealer) =>
        DefaultRoot(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "IrohSocial"),
            local, sealer);

    /// <summary>The default root under <paramref name="baseFolder"/>; a folder an older version named by the id is renamed to it.</summary>
    internal static string DefaultRoot(string baseFolder, EndpointId local, AtRestSealer sealer)
    {
        using var index = new BlindIndex(sealer, RootIndexLabel);
        var owner = Path.Combine(baseFolder, Convert.ToHexStringLower(index.Compute(local)));
        var legacy = Path.Combine(baseFolder, local.ToString());
        if (Directory.Exists(legacy) && new DirectoryInfo(legacy).LinkTarget is null && !Directory.Exists(owner))
        {
            Directory.Move(legacy, owner);
        }

        return Path.Combine(owner, "attachments");
    }

    /// <summary>Where the attachment's sealed file is (or would be) kept.</summary>
    public string PathFor(EndpointId peer, string messageId, string attachmentId)
    {
        // Length-prefixed fields, so ("ab","c") and ("a","bc") differ.
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _namesKey);
        Span<byte> length = stackalloc byte[4];
        foreach (var field in new[] { peer.ToString(), messageId, attachmentId })
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            hmac.AppendData(length);
            hmac.AppendData(bytes);
        }

        var name = Convert.ToHexStringLower(hmac.GetHashAndReset());
        return Path.Combine(PeerFolder(peer), name + ".sealed");
    }

    /// <summary>Whether the attachment was received, verified and published under its final name.</summary>
    public bool Contains(EndpointId peer, string messageId, string attachmentId) => File.Exists(PathFor(peer, messageId, attachmentId));

    /// <summary>Makes sure the root and the peer's folder are private; throws <see cref="UnauthorizedAccessException"/> if not.</summary>
    public string EnsurePeerFolder(EndpointId peer)
    {
        var parent = Path.GetDirectoryName(Root);
        if (parent is not null)
        {
            Directory.CreateDirectory(parent);
        }

        PrivateFolder.Ensure(Root);
        var folder = PeerFolder(peer);
        PrivateFolder.Ensure(folder);
        return folder;
    }

    /// <summary>Starts writing an attachment; nothing is visible under its final name until <see cref="Writer.CommitAsync"/>.</summary>
    public Writer CreateWriter(EndpointId peer, string messageId, string attachmentId)
    {
        var folder = EnsurePeerFolder(peer);
        var partPath = Path.Combine(folder, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + ".part");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        var file = new FileStream(partPath, options);
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        try
        {
            file.WriteByte(FormatVersion);
            file.Write(salt);
            return new Writer(file, partPath, PathFor(peer, messageId, attachmentId), FileCipher(peer, salt, messageId, attachmentId));
        }
        catch
        {
            file.Dispose();
            File.Delete(partPath);
            throw;
        }
    }

    /// <summary>Opens a stored attachment for reading; chunks are decrypted as they are read.</summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.AttachmentNotFound"/>.</exception>
    public Stream OpenRead(EndpointId peer, string messageId, string attachmentId)
    {
        var path = PathFor(peer, messageId, attachmentId);
        FileStream file;
        try
        {
            file = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, Options = FileOptions.SequentialScan });
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new MessagingException(MessagingError.AttachmentNotFound, $"No stored attachment {attachmentId} of message {messageId}.", ex);
        }

        try
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            if (file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) != HeaderSize || header[0] != FormatVersion)
            {
                throw new MessagingException(MessagingError.AttachmentCorrupt, $"Stored attachment {attachmentId} has a bad header.");
            }

            return new ReadStream(file, FileCipher(peer, header[1..].ToArray(), messageId, attachmentId), file.Length - HeaderSize);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private string PeerFolder(EndpointId peer) => Path.Combine(Root, Convert.ToHexStringLower(_folders.Compute(peer)));

    private AttachmentCipher FileCipher(EndpointId peer, byte[] salt, string messageId, string attachmentId)
    {
        var key = GC.AllocateArray<byte>(32, pinned: true);
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, _filesKey, key, salt, Encoding.ASCII.GetBytes(FileKeyInfo + peer));
            return new AttachmentCipher(key, messageId, attachmentId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public void Dispose()
    {
        _folders.Dispose();
        CryptographicOperations.ZeroMemory(_filesKey);
        CryptographicOperations.ZeroMemory(_namesKey);
    }

    /// <summary>Seals plaintext into a <c>.part</c> file; <see cref="CommitAsync"/> publishes it, disposing without commit deletes it.</summary>
    internal sealed class Writer : IDisposable
    {
        private readonly FileStream _file;
        private readonly string _partPath;
        private readonly string _finalPath;
        private readonly AttachmentCipher _cipher;
        private readonly byte[] _buffer = new byte[AttachmentCipher.ChunkSize];
        private int _buffered;
        private ulong _index;
        private bool _done;

        public Writer(FileStream file, string partPath, string finalPath, AttachmentCipher cipher)
        {
            _file = file;
            _partPath = partPath;
            _finalPath = finalPath;
            _cipher = cipher;
        }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            while (!data.IsEmpty)
            {
                // A full chunk is sealed only when more data follows, so the last chunk is sealed (flagged) at commit.
                if (_buffered == _buffer.Length)
                {
                    await _file.WriteAsync(_cipher.Seal(_index++, _buffer, last: false), cancellationToken).ConfigureAwait(false);
                    _buffered = 0;
                }

                var take = Math.Min(data.Length, _buffer.Length - _buffered);
                data.Span[..take].CopyTo(_buffer.AsSpan(_buffered));
                _buffered += take;
                data = data[take..];
            }
        }

        /// <summary>Seals the last chunk, syncs the file and moves it to its final name (kept as is if one exists).</summary>
        public async Task<string> CommitAsync(CancellationToken cancellationToken)
        {
            await _file.WriteAsync(_cipher.Seal(_index, _buffer.AsSpan(0, _buffered), last: true), cancellationToken).ConfigureAwait(false);
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            _file.Flush(flushToDisk: true);
            await _file.DisposeAsync().ConfigureAwait(false);
            try
            {
                File.Move(_partPath, _finalPath, overwrite: false);
            }
            catch (IOException) when (File.Exists(_finalPath))
            {
                // Already received and verified earlier (a retried upload): never replace a published file.
                File.Delete(_partPath);
            }

            _done = true;
            return _finalPath;
        }

        public void Dispose()
        {
            CryptographicOperations.ZeroMemory(_buffer);
            _cipher.Dispose();
            _file.Dispose();
            if (!_done)
            {
                File.Delete(_partPath);
            }
        }
    }

    /// <summary>Decrypts a sealed file chunk by chunk; a tampered, truncated or extended file fails with <see cref="MessagingError.AttachmentCorrupt"/>.</summary>
    private sealed class ReadStream(FileStream file, AttachmentCipher cipher, long sealedLength) : Stream
    {
        private const int SealedChunk = AttachmentCipher.ChunkSize + AttachmentCipher.TagSize;
        private readonly long _chunks = Math.Max(1, (sealedLength + SealedChunk - 1) / SealedChunk);
        private readonly byte[] _sealed = new byte[SealedChunk];
        private byte[] _plain = [];
        private int _offset;
        private ulong _next;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset == _plain.Length && !TryLoadNext())
            {
                return 0;
            }

            var take = Math.Min(buffer.Length, _plain.Length - _offset);
            _plain.AsSpan(_offset, take).CopyTo(buffer);
            _offset += take;
            return take;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private bool TryLoadNext()
        {
            if ((long)_next >= _chunks)
            {
                return false;
            }

            var last = (long)_next == _chunks - 1;
            var length = last ? (int)(sealedLength - ((_chunks - 1) * SealedChunk)) : SealedChunk;
            if (length < AttachmentCipher.TagSize || file.ReadAtLeast(_sealed.AsSpan(0, length), length, throwOnEndOfStream: false) != length
                || !cipher.TryOpen(_next, _sealed.AsSpan(0, length), last, out var plain))
            {
                throw new MessagingException(MessagingError.AttachmentCorrupt, "The stored attachment is damaged or was altered.");
            }

            CryptographicOperations.ZeroMemory(_plain);
            _plain = plain;
            _offset = 0;
            _next++;
            return true;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                CryptographicOperations.ZeroMemory(_plain);
                cipher.Dispose();
                file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
