using System.Security.Cryptography;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Dm;

public sealed class AttachmentTests
{
    private sealed class ProgressLog : IProgress<AttachmentProgress>
    {
        private readonly Lock _gate = new();
        private readonly List<AttachmentProgress> _reports = [];

        public IReadOnlyList<AttachmentProgress> Reports
        {
            get
            {
                lock (_gate)
                {
                    return _reports.ToList();
                }
            }
        }

        // Synchronous on purpose: Progress<T> would post to the thread pool and reorder reports.
        public void Report(AttachmentProgress value)
        {
            lock (_gate)
            {
                _reports.Add(value);
            }
        }
    }

    [Fact]
    public async Task SendWithAttachments_BytesArriveVerifiedWithProgressOnBothSides()
    {
        var incoming = new ProgressLog();
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true, start: false);
        await bob.StartAsync(configure: o => o with { IncomingAttachmentProgress = incoming });
        var big = RandomNumberGenerator.GetBytes(300_000); // five chunks
        var outgoing = new ProgressLog();
        var file = Path.Combine(Path.GetTempPath(), "irohsocial-att-" + Guid.NewGuid().ToString("N") + ".bin");
        await File.WriteAllBytesAsync(file, big);
        try
        {
            var id = await alice.C.SendMessageAsync(bob.Address, "two files",
            [
                AttachmentSource.FromFile(file, "application/octet-stream", "big.bin").WithProgress(outgoing),
                AttachmentSource.FromBytes("empty.txt", "text/plain", ReadOnlyMemory<byte>.Empty),
            ]);

            await bob.Events.WaitUntilAsync(e => e.Of<AttachmentReceivedEvent>().Count == 2, what: "both attachments");
            var received = bob.Events.Of<AttachmentReceivedEvent>().OrderBy(a => a.Attachment.Id).ToList();
            Assert.All(received, r => Assert.Equal(id, r.MessageId));
            Assert.Equal(big, await ReadAttachmentAsync(bob, alice, id, "a0"));
            Assert.Empty(await ReadAttachmentAsync(bob, alice, id, "a1"));
            Assert.StartsWith(bob.AttachmentFolder, received[0].Path, StringComparison.Ordinal);

            var message = (await bob.C.GetMessagesAsync(alice.Id)).Single();
            Assert.Equal(2, message.Attachments.Count);
            Assert.Equal(new MediaAttachment("a0", "big.bin", "application/octet-stream", big.Length, Convert.ToHexStringLower(SHA256.HashData(big))), message.Attachments[0]);

            Assert.Equal(big.Length, outgoing.Reports[^1].BytesTransferred);
            Assert.True(outgoing.Reports.Count >= 5);
            Assert.Equal(outgoing.Reports.Select(r => r.BytesTransferred).Order(), outgoing.Reports.Select(r => r.BytesTransferred));
            Assert.Contains(incoming.Reports, r => r.AttachmentId == "a0" && r.BytesTransferred == big.Length && r.TotalBytes == big.Length);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<byte[]> ReadAttachmentAsync(TestNode receiver, TestNode sender, string messageId, string attachmentId)
    {
        var stream = await receiver.C.OpenAttachmentAsync(sender.Id, messageId, attachmentId);
        await using (stream)
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    [Fact]
    public async Task SendWithAttachment_OverLimit_TooLargeAndNothingQueued()
    {
        await using var alice = await TestNode.CreateAsync("alice", start: false);
        await using var bob = await TestNode.CreateAsync("bob");
        await alice.StartAsync(configure: o => o with { MaxAttachmentSize = 1000 });
        var ex = await Assert.ThrowsAsync<MessagingException>(() =>
            alice.C.SendMessageAsync(bob.Address, "too big", [AttachmentSource.FromBytes("x.bin", "application/octet-stream", new byte[1001])]));
        Assert.Equal(MessagingError.TooLarge, ex.Error);
        Assert.Empty(await alice.Store.GetOutboxAsync(bob.Id));
    }

    [Fact]
    public async Task SendWithAttachment_PeerDown_PeerUnreachableAndNothingQueued()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob", start: false);
        var ex = await Assert.ThrowsAsync<MessagingException>(() =>
            alice.C.SendMessageAsync(bob.Address, "file", [AttachmentSource.FromBytes("x.bin", "application/octet-stream", new byte[10])]));
        Assert.Equal(MessagingError.PeerUnreachable, ex.Error);
        Assert.Empty(await alice.Store.GetOutboxAsync(bob.Id));
    }

    [Fact]
    public async Task Upload_BytesDifferFromAnnouncedHash_ReceiverRejectsSenderGetsAttachmentCorrupt()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        var opens = 0;
        // First open (hashing) and second open (upload) yield different bytes of the same length.
        var source = AttachmentSource.FromStream("shifty.bin", "application/octet-stream",
            () => new MemoryStream(Interlocked.Increment(ref opens) == 1 ? new byte[1000] : Enumerable.Repeat((byte)7, 1000).ToArray()));
        var ex = await Assert.ThrowsAsync<MessagingException>(() => alice.C.SendMessageAsync(bob.Address, "see attached", [source]));
        Assert.Equal(MessagingError.AttachmentCorrupt, ex.Error);
        await Eventually.WaitAsync(() => Task.FromResult(bob.Logs.Has(4011, "SHA-256")), "bob logs the rejection");
        Assert.Empty(bob.Events.Of<AttachmentReceivedEvent>());
        // The receiver logs and answers the rejection before it deletes the partial file (its finally block), so the
        // file may still be there for a moment after the log line (seen over QUIC, whose timing differs from TCP's).
        await Eventually.WaitAsync(
            () => Task.FromResult(!Directory.Exists(bob.AttachmentFolder) || Directory.GetFiles(bob.AttachmentFolder, "*", SearchOption.AllDirectories).Length == 0), "bob deletes the partial file");
        Assert.Single(bob.Events.Of<MessageReceivedEvent>()); // the message itself arrived; only its bytes were refused
    }

    // The large one is still being written when Bob refuses it and stops reading (over QUIC that aborts Alice's
    // writes): she must still hear the refusal, not a broken stream.
    [Theory]
    [InlineData(5000)]
    [InlineData(8 * 1024 * 1024)]
    public async Task Upload_OverReceiverLimit_Rejected(int size)
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob", start: false);
        await bob.StartAsync(configure: o => o with { MaxAttachmentSize = 100 });
        var ex = await Assert.ThrowsAsync<MessagingException>(() =>
            alice.C.SendMessageAsync(bob.Address, "big one", [AttachmentSource.FromBytes("big.bin", "application/octet-stream", new byte[size])]));
        Assert.Equal(MessagingError.AttachmentCorrupt, ex.Error);
        await Eventually.WaitAsync(() => Task.FromResult(bob.Logs.Has(4011, "size limit")), "bob logs the rejection");
        Assert.Empty(bob.Events.Of<AttachmentReceivedEvent>());
    }

    /// <summary>Vectors computed independently with Python's <c>cryptography</c> ChaCha20Poly1305 (also in docs/protocol.md 5.6).</summary>
    [Theory]
    [InlineData(0UL, "hello", true, "70dd2e5dc2a26fcdc1445f60418563c7c7721a52de")]
    [InlineData(1UL, "world", false, "1e330eb555383fccac830951fca8787ea443661367")]
    public void AttachmentCipher_KnownAnswer(ulong index, string text, bool last, string expectedHex)
    {
        using var cipher = new AttachmentCipher(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), "m1", "a0");
        Assert.Equal(expectedHex, Convert.ToHexStringLower(cipher.Seal(index, System.Text.Encoding.ASCII.GetBytes(text), last)));
    }

    [Fact]
    public void AttachmentCipher_TamperReorderTruncate_Rejected()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var sender = new AttachmentCipher(key, "m1", "a0");
        using var receiver = new AttachmentCipher(key, "m1", "a0");
        using var otherMessage = new AttachmentCipher(key, "m2", "a0");
        var chunk0 = sender.Seal(0, [1, 2, 3], last: false);
        var chunk1 = sender.Seal(1, [4, 5], last: true);
        Assert.True(receiver.TryOpen(0, chunk0, false, out var plain0));
        Assert.Equal(new byte[] { 1, 2, 3 }, plain0);
        Assert.False(receiver.TryOpen(1, chunk0, false, out _)); // reordered
        Assert.False(receiver.TryOpen(0, chunk0, true, out _)); // truncated: chunk 0 presented as the last one
        Assert.False(otherMessage.TryOpen(1, chunk1, true, out _)); // moved to another message
        chunk1[0] ^= 1;
        Assert.False(receiver.TryOpen(1, chunk1, true, out _)); // tampered
    }
}
