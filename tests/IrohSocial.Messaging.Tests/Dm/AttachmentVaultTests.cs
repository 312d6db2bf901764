using System.Security.Cryptography;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>Received attachments at rest: a private folder per user and peer, sealed files, no link following, no overwrite.</summary>
public sealed class AttachmentVaultTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    public async Task Receive_FileIsSealedInPrivatePeerFolder_OpenAttachmentAsyncYieldsPlaintext()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        var secret = RandomNumberGenerator.GetBytes(150_000); // three chunks
        var id = await alice.C.SendMessageAsync(bob.Address, "file", [AttachmentSource.FromBytes("s.bin", "application/octet-stream", secret)]);
        await bob.Events.WaitUntilAsync(e => e.Of<AttachmentReceivedEvent>().Count == 1, what: "the attachment");
        var received = bob.Events.Of<AttachmentReceivedEvent>().Single(e => e.MessageId == id);

        var onDisk = await File.ReadAllBytesAsync(received.Path);
        Assert.Equal(-1, onDisk.AsSpan().IndexOf(secret.AsSpan(0, 32)));
        Assert.Equal(Path.Combine(bob.AttachmentFolder, BlindFolder(bob.Key, alice.Id)), Path.GetDirectoryName(received.Path));
        Assert.DoesNotContain(alice.Id.ToString(), received.Path, StringComparison.Ordinal);
        Assert.DoesNotContain(id, Path.GetFileName(received.Path), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(received.Path)!, "*.part"));

        var opened = await bob.C.OpenAttachmentAsync(alice.Id, id, "a0");
        await using (opened)
        {
            var copy = new MemoryStream();
            await opened.CopyToAsync(copy);
            Assert.Equal(secret, copy.ToArray());
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(Private, File.GetUnixFileMode(bob.AttachmentFolder));
            Assert.Equal(Private, File.GetUnixFileMode(Path.GetDirectoryName(received.Path)!));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(received.Path));
        }
    }

    [Fact]
    public async Task Send_OwnCopySealedInTheVault_OpenAttachmentAsyncYieldsIt()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        var secret = RandomNumberGenerator.GetBytes(100_000);
        var id = await alice.C.SendMessageAsync(bob.Address, "file", [AttachmentSource.FromBytes("s.bin", "application/octet-stream", secret)]);

        // The sender reads its own attachment back through the decrypt-on-demand path.
        var opened = await alice.C.OpenAttachmentAsync(bob.Id, id, "a0");
        await using (opened)
        {
            var copy = new MemoryStream();
            await opened.CopyToAsync(copy);
            Assert.Equal(secret, copy.ToArray());
        }

        // Its copy is sealed like a received one: no clear bytes, no .part left behind.
        var files = Directory.GetFiles(alice.AttachmentFolder, "*", SearchOption.AllDirectories);
        Assert.Equal(Path.Combine(alice.AttachmentFolder, BlindFolder(alice.Key, bob.Id)), Path.GetDirectoryName(Assert.Single(files)));
        Assert.Equal(-1, (await File.ReadAllBytesAsync(files[0])).AsSpan().IndexOf(secret.AsSpan(0, 32)));
    }

    [Fact]
    public async Task Send_AttachmentTooLarge_LeavesNoCopy()
    {
        await using var alice = await TestNode.CreateAsync("alice", start: false);
        await alice.StartAsync(configure: o => o with { MaxAttachmentSize = 1000 });
        await using var bob = await TestNode.CreateAsync("bob");
        var small = AttachmentSource.FromBytes("a.bin", "application/octet-stream", new byte[10]);
        var big = AttachmentSource.FromBytes("b.bin", "application/octet-stream", new byte[5000]);
        var ex = await Assert.ThrowsAsync<MessagingException>(() => alice.C.SendMessageAsync(bob.Address, "files", [small, big]));
        Assert.Equal(MessagingError.TooLarge, ex.Error);
        Assert.Empty(Directory.Exists(alice.AttachmentFolder) ? Directory.GetFiles(alice.AttachmentFolder, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task OpenAttachmentAsync_Unknown_AttachmentNotFound()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        var ex = await Assert.ThrowsAsync<MessagingException>(() => alice.C.OpenAttachmentAsync(SecretKey.Generate().PublicKey, "m1", "a0"));
        Assert.Equal(MessagingError.AttachmentNotFound, ex.Error);
    }

    [Fact]
    public async Task Receive_FolderPreCreatedWorldWritable_TightenedToOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes");
            return;
        }

        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        Directory.CreateDirectory(bob.AttachmentFolder);
        File.SetUnixFileMode(bob.AttachmentFolder, (UnixFileMode)0x1FF);
        var id = await alice.C.SendMessageAsync(bob.Address, "file", [AttachmentSource.FromBytes("x.bin", "application/octet-stream", new byte[10])]);
        await bob.Events.WaitUntilAsync(e => e.Of<AttachmentReceivedEvent>().Any(a => a.MessageId == id), what: "the attachment");
        Assert.Equal(Private, File.GetUnixFileMode(bob.AttachmentFolder));
    }

    [Fact]
    public async Task Receive_PeerFolderIsSymlink_RejectedAndNothingWrittenThere()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        var elsewhere = Directory.CreateTempSubdirectory("irohsocial-victim-");
        try
        {
            Directory.CreateDirectory(bob.AttachmentFolder);
            Directory.CreateSymbolicLink(Path.Combine(bob.AttachmentFolder, BlindFolder(bob.Key, alice.Id)), elsewhere.FullName);
            var ex = await Assert.ThrowsAsync<MessagingException>(() =>
                alice.C.SendMessageAsync(bob.Address, "file", [AttachmentSource.FromBytes("x.bin", "application/octet-stream", new byte[10])]));
            Assert.Equal(MessagingError.AttachmentCorrupt, ex.Error);
            Assert.True(bob.Logs.Has(4011, "symbolic link"));
            Assert.Empty(Directory.GetFileSystemEntries(elsewhere.FullName));
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Receive_FolderOwnedByAnotherUser_Rejected()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.UserName == "root", "needs root on Linux to hand a folder to another user");
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        Directory.CreateDirectory(bob.AttachmentFolder);
        var chown = System.Diagnostics.Process.Start("chown", ["4242", bob.AttachmentFolder])!;
        await chown.WaitForExitAsync();
        Assert.Equal(0, chown.ExitCode);
        var ex = await Assert.ThrowsAsync<MessagingException>(() =>
            alice.C.SendMessageAsync(bob.Address, "file", [AttachmentSource.FromBytes("x.bin", "application/octet-stream", new byte[10])]));
        Assert.Equal(MessagingError.AttachmentCorrupt, ex.Error);
        Assert.True(bob.Logs.Has(4011, "owned by another user"));
    }

    [Fact]
    public void PathFor_IdsThatSanitizeAlike_DistinctNamesAndNoIdInName()
    {
        var folder = Directory.CreateTempSubdirectory("irohsocial-vault-");
        try
        {
            using var key = SecretKey.Generate();
            using var sealer = new AtRestSealer(key);
            using var vault = new AttachmentVault(folder.FullName, sealer);
            var peer = SecretKey.Generate().PublicKey;
            var a = vault.PathFor(peer, "m/1", "a0");
            var b = vault.PathFor(peer, "m_1", "a0");
            var c = vault.PathFor(peer, "m", "1a0");
            Assert.Equal(3, new[] { a, b, c }.Distinct().Count());
            Assert.All(new[] { a, b, c }, p => Assert.Equal(Path.Combine(folder.FullName, BlindFolder(key, peer)), Path.GetDirectoryName(p)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Vault_TruncatedOrTamperedFile_ReadFails()
    {
        var folder = Directory.CreateTempSubdirectory("irohsocial-vault-");
        try
        {
            using var key = SecretKey.Generate();
            using var sealer = new AtRestSealer(key);
            using var vault = new AttachmentVault(folder.FullName, sealer);
            var peer = SecretKey.Generate().PublicKey;
            var data = RandomNumberGenerator.GetBytes((2 * AttachmentCipher.ChunkSize) + 5);
            string path;
            using (var writer = vault.CreateWriter(peer, "m1", "a0"))
            {
                await writer.WriteAsync(data, CancellationToken.None);
                path = await writer.CommitAsync(CancellationToken.None);
            }

            Assert.Equal(data, await ReadAllAsync(vault, peer));

            // Cut at a chunk boundary: the chunk that is now last was not sealed as last.
            var whole = await File.ReadAllBytesAsync(path);
            await File.WriteAllBytesAsync(path, whole.AsSpan(0, whole.Length - 5 - AttachmentCipher.TagSize).ToArray());
            await Assert.ThrowsAsync<MessagingException>(() => ReadAllAsync(vault, peer));

            whole[^1] ^= 1;
            await File.WriteAllBytesAsync(path, whole);
            await Assert.ThrowsAsync<MessagingException>(() => ReadAllAsync(vault, peer));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Vault_SecondCommitOfSameAttachment_KeepsFirstFile()
    {
        var folder = Directory.CreateTempSubdirectory("irohsocial-vault-");
        try
        {
            using var key = SecretKey.Generate();
            using var sealer = new AtRestSealer(key);
            using var vault = new AttachmentVault(folder.FullName, sealer);
            var peer = SecretKey.Generate().PublicKey;
            foreach (var content in new[] { new byte[] { 1, 2, 3 }, new byte[] { 9, 9, 9 } })
            {
                using var writer = vault.CreateWriter(peer, "m1", "a0");
                await writer.WriteAsync(content, CancellationToken.None);
                await writer.CommitAsync(CancellationToken.None);
            }

            Assert.Equal(new byte[] { 1, 2, 3 }, await ReadAllAsync(vault, peer));
            Assert.Single(Directory.GetFiles(Path.Combine(folder.FullName, BlindFolder(key, peer))));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Vault_FolderNamedByPeerIdFromOlderVersion_RenamedToBlindNameAndStillOpens()
    {
        var folder = Directory.CreateTempSubdirectory("irohsocial-vault-");
        try
        {
            using var key = SecretKey.Generate();
            using var sealer = new AtRestSealer(key);
            var peer = SecretKey.Generate().PublicKey;
            string written;
            using (var vault = new AttachmentVault(folder.FullName, sealer))
            {
                using var writer = vault.CreateWriter(peer, "m1", "a0");
                await writer.WriteAsync(new byte[] { 4, 5, 6 }, CancellationToken.None);
                written = await writer.CommitAsync(CancellationToken.None);
            }

            // What an older version left on disk: the same file in a folder named by the peer's hex id.
            var legacy = Path.Combine(folder.FullName, peer.ToString());
            Directory.Move(Path.GetDirectoryName(written)!, legacy);

            using var reopened = new AttachmentVault(folder.FullName, sealer);
            Assert.False(Directory.Exists(legacy));
            Assert.Equal([BlindFolder(key, peer)], Directory.GetDirectories(folder.FullName).Select(Path.GetFileName));
            Assert.Equal(new byte[] { 4, 5, 6 }, await ReadAllAsync(reopened, peer));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The folder name a peer's attachments get: a blind index of its id, never the id.</summary>
    private static string BlindFolder(SecretKey owner, EndpointId peer)
    {
        using var sealer = new AtRestSealer(owner);
        using var index = new BlindIndex(sealer, AttachmentVault.FoldersIndexLabel);
        return Convert.ToHexStringLower(index.Compute(peer));
    }

    [Fact]
    public void DefaultRoot_IsPerUserNotUnderTempAndDoesNotNameTheOwner()
    {
        using var key = SecretKey.Generate();
        using var sealer = new AtRestSealer(key);
        var root = AttachmentVault.DefaultRoot(key.PublicKey, sealer);
        Assert.False(root.StartsWith(Path.GetTempPath(), StringComparison.Ordinal));
        Assert.DoesNotContain(key.PublicKey.ToString(), root, StringComparison.Ordinal);
        using var other = SecretKey.Generate();
        using var otherSealer = new AtRestSealer(other);
        Assert.NotEqual(root, AttachmentVault.DefaultRoot(other.PublicKey, otherSealer)); // identities stay apart
    }

    [Fact]
    public void DefaultRoot_FolderNamedByOwnIdFromOlderVersion_RenamedKeepingItsFiles()
    {
        var folder = Directory.CreateTempSubdirectory("irohsocial-base-");
        try
        {
            using var key = SecretKey.Generate();
            using var sealer = new AtRestSealer(key);
            var legacy = Path.Combine(folder.FullName, key.PublicKey.ToString(), "attachments", "some-peer");
            Directory.CreateDirectory(legacy);
            File.WriteAllText(Path.Combine(legacy, "x.sealed"), "sealed bytes");

            var root = AttachmentVault.DefaultRoot(folder.FullName, key.PublicKey, sealer);

            Assert.Equal("sealed bytes", File.ReadAllText(Path.Combine(root, "some-peer", "x.sealed")));
            Assert.False(Directory.Exists(Path.Combine(folder.FullName, key.PublicKey.ToString())));
            Assert.Equal(root, AttachmentVault.DefaultRoot(folder.FullName, key.PublicKey, sealer));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<byte[]> ReadAllAsync(AttachmentVault vault, EndpointId peer)
    {
        var stream = vault.OpenRead(peer, "m1", "a0");
        await using (stream)
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
