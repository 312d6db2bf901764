using System.Text;
using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Backup;

/// <summary>Export and import on real clients: round trip, refusal of every damaged file, and what the file reveals.</summary>
public sealed class BackupTests
{
    private const string Passphrase = "correct horse battery staple";
    private const string Canary = "Xylophonecanary";

    // Cheapest Argon2id and small chunks: tests stay fast and files have many chunks to damage.
    private static readonly BackupOptions Fast = new() { OpsLimit = 3, MemLimit = 8 * 1024, ChunkSize = 1024 };

    [Fact]
    public async Task ExportImport_PopulatedSqliteStore_RoundTripsAndSessionsRecover()
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true);
        var picture = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("not really a png ", 200)));
        await alice.C.SendMessageAsync(bob.Address, "with a picture", [AttachmentSource.FromBytes("p.png", "image/png", picture)]);
        for (var i = 0; i < 30; i++)
        {
            await alice.C.SendMessageAsync(bob.Address, $"hello {i} {Canary} — é");
            await bob.C.SendMessageAsync(alice.Address, $"reply {i}");
        }

        await Eventually.WaitAsync(async () => (await bob.Store.GetMessagesAsync(alice.Id, 100, null)).Count == 61, "all at bob", 30);
        // And bob's replies acknowledged: an ack landing between the snapshot and the export turned Pending into Delivered.
        await Eventually.WaitAsync(async () => (await bob.Store.GetOutboxAsync(alice.Id)).Count == 0, "bob's replies acknowledged", 30);
        var doomed = (await bob.Store.GetMessagesAsync(alice.Id, 100, null))[5].Id;
        await bob.C.DeleteMessageAsync(doomed);
        await bob.C.MarkReadAsync(alice.Id);
        var notes = TestRecords.NewNoteKind();
        bob.C.RegisterRecordKind(notes);
        await bob.C.SaveRecordAsync(notes, new Records.ExtensionRecord<NoteBody>("note-1", alice.Id, DateTimeOffset.UtcNow.AddMinutes(-5), new NoteBody("kept", 42)));
        var before = await SnapshotAsync(bob);
        // The deleted message may or may not have been one with the canary.
        var withCanary = (await bob.Store.GetMessagesAsync(alice.Id, 100, null)).Count(m => m.Content.Contains(Canary, StringComparison.Ordinal));

        using var file = new MemoryStream();
        var exported = await bob.C.ExportAsync(file, Passphrase, Fast);
        Assert.Equal(new BackupSummary(60, 1, 1, 1), exported);

        // A new device with the same identity: empty database, no attachment files, no sessions.
        await bob.ReinstallAsync();
        Directory.Delete(bob.AttachmentFolder, recursive: true);
        Assert.Empty(await bob.C.GetConversationsAsync());

        file.Position = 0;
        var imported = await bob.C.ImportAsync(file, Passphrase);
        Assert.Equal(new BackupSummary(60, 1, 1, 1), imported);
        Assert.Equal(before, await SnapshotAsync(bob));
        Assert.False(await bob.Store.ContainsMessageAsync(doomed));

        // Idempotent: a second import adds nothing and changes nothing.
        file.Position = 0;
        Assert.Equal(new BackupSummary(0, 0, 1, 0), await bob.C.ImportAsync(file, Passphrase));
        Assert.Equal(before, await SnapshotAsync(bob));

        // The restored messages are searchable, and the sessions (not in the backup) re-establish both ways.
        Assert.Equal(withCanary, (await bob.C.SearchMessagesAsync(Canary, limit: 100)).Count);
        var fromAlice = await alice.C.SendMessageAsync(bob.Address, "after the restore");
        var fromBob = await bob.C.SendMessageAsync(alice.Id, "restored and reachable");
        await Eventually.WaitAsync(async () => await bob.Store.GetMessageAsync(fromAlice) is not null && await alice.Store.GetMessageAsync(fromBob) is not null, "both directions after import", 30);
    }

    [Fact]
    public async Task Export_File_HoldsNoPlaintextCanary_PlaintextExportDoes()
    {
        await using var node = await PopulatedAsync();
        using var sealedFile = new MemoryStream();
        await node.C.ExportAsync(sealedFile, Passphrase, Fast);
        using var plainFile = new MemoryStream();
        await node.C.ExportPlaintextAsync(plainFile);

        foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode })
        {
            Assert.True(sealedFile.ToArray().AsSpan().IndexOf(encoding.GetBytes(Canary)) < 0, "canary in the sealed backup");
        }

        Assert.True(plainFile.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(Canary)) >= 0, "the plaintext export should be readable");
    }

    [Fact]
    public async Task Import_DamagedFiles_AllFailAndWriteNothing()
    {
        await using var source = await PopulatedAsync();
        using var stream = new MemoryStream();
        await source.C.ExportAsync(stream, Passphrase, Fast);
        var good = stream.ToArray();
        var chunks = Chunks(good);
        Assert.True(chunks.Count >= 4, $"expected several chunks, got {chunks.Count}");

        // The target is the same identity on an empty store.
        await source.ReinstallAsync();

        await AssertRefusedAsync(source, good, "wrong passphrase", MessagingError.BackupWrongPassphrase);
        await AssertRefusedAsync(source, good[..^1], Passphrase, MessagingError.BackupInvalid);
        await AssertRefusedAsync(source, good[..chunks[^1].Start], Passphrase, MessagingError.BackupInvalid); // last chunk cut off whole
        await AssertRefusedAsync(source, [.. good, 0], Passphrase, MessagingError.BackupInvalid);
        var swapped = (byte[])good.Clone();
        // Chunks 1 and 2 are both full, so they have the same length and can be swapped in place.
        good.AsSpan(chunks[1].Start, chunks[1].Length).CopyTo(swapped.AsSpan(chunks[2].Start));
        good.AsSpan(chunks[2].Start, chunks[2].Length).CopyTo(swapped.AsSpan(chunks[1].Start));
        await AssertRefusedAsync(source, swapped, Passphrase, MessagingError.BackupInvalid);
        // A non-final chunk relabelled as the last one (a truncation attempt that keeps the flag consistent).
        var relabelled = good[..(chunks[1].Start + chunks[1].Length)];
        relabelled[chunks[1].Start] = 0x01;
        await AssertRefusedAsync(source, relabelled, Passphrase, MessagingError.BackupInvalid);

        // Any flipped bit, anywhere.
        await Gen.Select(Gen.Int[0, good.Length - 1], Gen.Int[0, 7]).SampleAsync(async (position, bit) =>
        {
            var damaged = (byte[])good.Clone();
            damaged[position] ^= (byte)(1 << bit);
            await AssertRefusedAsync(source, damaged, Passphrase, null);
        }, iter: 150, threads: 1);

        // The untouched file still imports: the refusals were about the damage.
        Assert.Equal(3, (await source.C.ImportAsync(new MemoryStream(good), Passphrase)).Messages);
    }

    [Fact]
    public async Task Import_Version1FileWithCalls_BecomesCallRecords()
    {
        // A backup written before call history moved out of Messaging (format version 1, "calls"), frozen here.
        await using var bob = await TestNode.CreateAsync("bob");
        using var peerKey = SecretKey.Generate();
        var peer = peerKey.PublicKey;
        var json = $$"""
            {"format":"irohsocial-backup","version":1,"identity":"{{bob.Id}}","exported_at":"2026-01-01T12:00:00+00:00","contacts":[],"messages":[],
             "calls":[{"call_id":"c-old","peer":"{{peer}}","direction":"Incoming","started_at":"2026-01-01T11:00:00+00:00","duration_ms":61000,"had_video":true,"ended_reason":"Completed"}]}
            """;
        var summary = await bob.C.ImportAsync(new MemoryStream(await SealV1Async(json)), Passphrase);
        Assert.Equal(new BackupSummary(0, 0, 1, 0), summary);
        var record = Assert.Single(await bob.Store.GetRecordsAsync("call.record", peer, 10, null));
        Assert.Equal(("c-old", new DateTimeOffset(2026, 1, 1, 11, 0, 0, TimeSpan.Zero)), (record.Id, record.Time));
        // The body is the calls layer's frozen JSON shape (Media's CallHistoryTests decode the same bytes).
        Assert.Equal("""{"direction":"Incoming","duration_ms":61000,"had_video":true,"ended_reason":"Completed"}""", Encoding.UTF8.GetString(record.Body));

        // A version-1 call with a value version 1 never wrote is refused like any malformed field.
        var bad = json.Replace("\"Incoming\"", "\"Sideways\"", StringComparison.Ordinal);
        var badFile = await SealV1Async(bad);
        var ex = await Assert.ThrowsAsync<MessagingException>(() => bob.C.ImportAsync(new MemoryStream(badFile), Passphrase));
        Assert.Equal(MessagingError.BackupInvalid, ex.Error);

        static async Task<byte[]> SealV1Async(string document)
        {
            var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(Messaging.Backup.BackupFormat.SaltSize);
            using var keys = new Messaging.Backup.BackupFormat.Keys(Passphrase, salt, Fast.OpsLimit, Fast.MemLimit);
            var header = Messaging.Backup.BackupFormat.WriteHeader(keys, Fast.OpsLimit, Fast.MemLimit, salt, Fast.ChunkSize,
                System.Security.Cryptography.RandomNumberGenerator.GetBytes(Messaging.Backup.BackupFormat.NoncePrefixSize));
            using var output = new MemoryStream();
            output.Write(header);
            var sealing = new Messaging.Backup.BackupSealingStream(output, keys, header, Fast.ChunkSize);
            await sealing.WriteAsync(Encoding.UTF8.GetBytes(document));
            await sealing.CompleteAsync(CancellationToken.None);
            return output.ToArray();
        }
    }

    [Fact]
    public async Task Import_OtherIdentity_Refused()
    {
        await using var source = await PopulatedAsync();
        await using var other = await TestNode.CreateAsync("other");
        using var stream = new MemoryStream();
        await source.C.ExportAsync(stream, Passphrase, Fast);
        await AssertRefusedAsync(other, stream.ToArray(), Passphrase, MessagingError.BackupWrongIdentity);
    }

    [Fact]
    public void Options_OutOfRange_Rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackupOptions { OpsLimit = 2 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackupOptions { MemLimit = 1024 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackupOptions { ChunkSize = 16 }.Validate());
    }

    private static async Task<TestNode> PopulatedAsync()
    {
        var node = await TestNode.CreateAsync("source");
        using var peerKey = SecretKey.Generate();
        var peer = peerKey.PublicKey;
        var now = DateTimeOffset.UtcNow;
        // Written straight into the store, as the protocol would have: enough text for several 1 KiB chunks.
        await node.Store.ApplyAsync(
        [
            new InsertMessage(new StoredMessage("m1", peer, MessageDirection.Incoming, $"first {Canary} " + new string('a', 1500), now, null, [], MessageStatus.Delivered)),
            new InsertMessage(new StoredMessage("m2", peer, MessageDirection.Outgoing, "second " + new string('b', 1500), now.AddSeconds(1), "m1", [], MessageStatus.Read)),
            new InsertMessage(new StoredMessage("m3", peer, MessageDirection.Incoming, "third", now.AddSeconds(2), null, [], MessageStatus.Read)),
            new SaveRecord(new StoredRecord("call.record", "c1", peer, now, "{\"direction\":\"Outgoing\"}"u8.ToArray())),
        ]);
        return node;
    }

    private static async Task AssertRefusedAsync(TestNode target, byte[] file, string passphrase, MessagingError? expected)
    {
        var ex = await Assert.ThrowsAsync<MessagingException>(() => target.C.ImportAsync(new MemoryStream(file), passphrase));
        if (expected is { } error)
        {
            Assert.Equal(error, ex.Error);
        }
        else
        {
            Assert.Contains(ex.Error, new[] { MessagingError.BackupInvalid, MessagingError.BackupWrongPassphrase });
        }

        Assert.Empty(await target.Store.GetConversationsAsync());
        Assert.Empty(await target.Store.GetRecordsAsync(null, null, 10, null));
        Assert.False(Directory.Exists(target.AttachmentFolder) && Directory.EnumerateFileSystemEntries(target.AttachmentFolder).Any());
    }

    /// <summary>Start and length of each chunk frame (flag, length, ciphertext) after the header.</summary>
    private static List<(int Start, int Length)> Chunks(byte[] file)
    {
        var result = new List<(int, int)>();
        for (var at = Messaging.Backup.BackupFormat.HeaderSize; at < file.Length;)
        {
            var length = 5 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 1));
            result.Add((at, length));
            at += length;
        }

        return result;
    }

    private static async Task<string> SnapshotAsync(TestNode node)
    {
        var text = new StringBuilder();
        foreach (var c in await node.C.GetConversationsAsync())
        {
            text.AppendLine($"conversation {c.Peer} unread {c.UnreadCount}");
            foreach (var m in await node.C.GetMessagesAsync(c.Peer, 1000))
            {
                text.AppendLine($"{m.Id} {m.Direction} {m.Status} {m.Timestamp.ToUnixTimeMilliseconds()} {m.ReplyTo} {m.Content} [{string.Join(",", m.Attachments)}]");
            }

            text.AppendLine($"address {await node.Store.GetPeerAddressAsync(c.Peer)}");
        }

        foreach (var record in await node.Store.GetRecordsAsync(null, null, 100, null))
        {
            text.AppendLine($"{record.Kind} {record.Id} {record.Peer} {record.Time.ToUnixTimeMilliseconds()} {Encoding.UTF8.GetString(record.Body)}");
        }

        // Attachments are sealed at rest with a random salt per file, so compare what they decrypt to.
        foreach (var c in await node.C.GetConversationsAsync())
        {
            foreach (var m in await node.C.GetMessagesAsync(c.Peer, 1000))
            {
                foreach (var a in m.Attachments.Where(_ => m.Direction == MessageDirection.Incoming))
                {
                    try
                    {
                        await using var stream = await node.C.OpenAttachmentAsync(c.Peer, m.Id, a.Id);
                        text.AppendLine($"{m.Id}/{a.Id} {Convert.ToHexString(await System.Security.Cryptography.SHA256.HashDataAsync(stream))}");
                    }
                    catch (MessagingException ex) when (ex.Error == MessagingError.AttachmentNotFound)
                    {
                        text.AppendLine($"{m.Id}/{a.Id} missing");
                    }
                }
            }
        }

        return text.ToString();
    }
}
