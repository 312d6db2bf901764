using System.Text.Json;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>
/// A raw attacker endpoint speaks the DM protocol to Bob by hand. Each bad input is rejected with a logged
/// reason while genuine traffic from Alice on the same node keeps flowing.
/// </summary>
public sealed class HostileInputTests
{
    private static async Task<(Endpoint Endpoint, Connection Connection, TransportStream Stream)> RawStreamAsync(SecretKey key, TestNode target, byte kind = 0x01)
    {
        var endpoint = await Endpoint.BindAsync(new EndpointOptions { SecretKey = key, BindAddress = new IPEndPoint(IPAddress.Loopback, 0), Alpns = [Alpns.DirectMessages] });
        var connection = await endpoint.ConnectAsync(target.Address, Alpns.DirectMessages);
        var stream = await connection.OpenBidirectionalStreamAsync();
        await stream.WriteAsync(new[] { kind });
        return (endpoint, connection, stream);
    }

    /// <summary>Bob answers on his own envelope stream (opened on our connection), in order with everything he sends us.</summary>
    private static async Task<Stream> AcceptAnswersAsync(Connection connection)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var stream = await connection.AcceptStreamAsync(cts.Token) ?? throw new InvalidOperationException("No stream from the peer.");
        var kind = new byte[1];
        await stream.ReadExactlyAsync(kind, cts.Token);
        Assert.Equal(0x01, kind[0]);
        return stream;
    }

    private static async Task<byte[]> NextAnswerAsync(Stream answers)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await FrameCodec.ReadFrameAsync(answers, 1 << 20, cts.Token) ?? throw new InvalidOperationException("Answer stream ended.");
    }

    private static byte[] Envelope(PeerSession session, EndpointId claimedSender, Control control)
    {
        var m = session.Encrypt(control.ToJson());
        return new EncryptedEnvelope(claimedSender.ToString(), m.Header.RatchetKey, m.Header.SetupEphemeralKey, m.Header.MessageNumber,
            m.Header.PreviousChainLength, m.Ciphertext, m.Nonce).ToJson();
    }

    private static MessageControl Text(string id, string content) => new(id, content, 1767268800000, null, null);

    /// <summary>True when the stream was closed on us (end of stream or an abort surfacing as an error).</summary>
    private static async Task<bool> ClosedAsync(Stream stream)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            return await FrameCodec.ReadFrameAsync(stream, 1 << 20, cts.Token) is null;
        }
        catch (Exception ex) when (ex is TransportException or IOException or MessagingException or ObjectDisposedException)
        {
            return true;
        }
    }

    private static async Task GenuineTrafficStillFlowsAsync(TestNode alice, TestNode bob, string text)
    {
        var id = await alice.C.SendMessageAsync(bob.Address, text);
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == id), what: "genuine message after the attack");
    }

    [Fact]
    public async Task ReplayedAndTamperedEnvelopes_NotAnsweredWithDecryptFailed_StreamAndSessionSurvive()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        using var carol = SecretKey.Generate();
        using var session = PeerSession.Create(carol, bob.Id);
        var (endpoint, connection, stream) = await RawStreamAsync(carol, bob);
        await using (endpoint)
        {
            var first = Envelope(session, carol.PublicKey, Text("c1", "genuine one"));
            await FrameCodec.WriteFrameAsync(stream, first, default);
            var answers = await AcceptAnswersAsync(connection);
            var ack = await NextAnswerAsync(answers);
            Assert.Null(ResponseError.TryParse(ack));
            EncryptedEnvelope.Parse(ack, out var ackSender);
            Assert.Equal(bob.Id, ackSender);

            // Neither a replay nor a tampered copy means Bob lost state: no decrypt_failed (it would make us reset).
            await FrameCodec.WriteFrameAsync(stream, first, default);
            var tampered = EncryptedEnvelope.Parse(Envelope(session, carol.PublicKey, Text("c2", "tampered")), out _);
            tampered.Ciphertext[3] ^= 0x40;
            await FrameCodec.WriteFrameAsync(stream, tampered.ToJson(), default);

            await FrameCodec.WriteFrameAsync(stream, Envelope(session, carol.PublicKey, Text("c3", "genuine three")), default);
            Assert.Null(ResponseError.TryParse(await NextAnswerAsync(answers)));
        }

        Assert.Equal(["c1", "c3"], (await bob.C.GetMessagesAsync(carol.PublicKey)).Select(m => m.Id));
        Assert.True(bob.Logs.Entries.Count(e => e.Id.Id == 4002) >= 2);
        await GenuineTrafficStillFlowsAsync(alice, bob, "still fine");
    }

    [Fact]
    public async Task DecryptFailed_UnsignedOrBadlySigned_IgnoredSignedOneResets()
    {
        await using var bob = await TestNode.CreateAsync("bob");
        using var carol = SecretKey.Generate();
        using var mallory = SecretKey.Generate();
        using var session = PeerSession.Create(carol, bob.Id);
        var (endpoint, connection, stream) = await RawStreamAsync(carol, bob);
        await using (endpoint)
        {
            await FrameCodec.WriteFrameAsync(stream, Envelope(session, carol.PublicKey, Text("c1", "hello")), default);
            var answers = await AcceptAnswersAsync(connection);
            var ack = EncryptedEnvelope.Parse(await NextAnswerAsync(answers), out _);

            // Names Bob's current ratchet key, but carries no signature.
            await FrameCodec.WriteFrameAsync(stream, new ResponseError(ResponseError.DecryptFailed, ack.RatchetKey, ack.MessageNumber).ToJson(), default);
            // Signed by someone else.
            await FrameCodec.WriteFrameAsync(stream, ResponseError.CreateDecryptFailed(mallory, bob.Id, ack.RatchetKey, ack.MessageNumber).ToJson(), default);
            // Signed by Carol but for another recipient.
            await FrameCodec.WriteFrameAsync(stream, ResponseError.CreateDecryptFailed(carol, mallory.PublicKey, ack.RatchetKey, ack.MessageNumber).ToJson(), default);
            // A genuine message after them proves Bob processed them all (one stream, in order).
            await FrameCodec.WriteFrameAsync(stream, Envelope(session, carol.PublicKey, Text("c2", "still here")), default);
            Assert.Null(ResponseError.TryParse(await NextAnswerAsync(answers)));
            // Error frames of a group are handled after its acknowledgement went out: wait for all three verdicts.
            await Eventually.WaitAsync(() => Task.FromResult(bob.Logs.Entries.Count(e => e.Id.Id == 4012) == 3), "bob ignores the three bad ones");
            Assert.Empty(bob.Events.Of<SessionResetEvent>());

            await FrameCodec.WriteFrameAsync(stream, ResponseError.CreateDecryptFailed(carol, bob.Id, ack.RatchetKey, ack.MessageNumber).ToJson(), default);
            await bob.Events.WaitUntilAsync(e => e.Of<SessionResetEvent>().Count == 1, what: "the signed decrypt_failed resets the session");
        }
    }

    [Fact]
    public async Task AckAndDelete_NamingAnotherPeersMessage_ChangeNothing()
    {
        await using var alice = await TestNode.CreateAsync("alice", start: false);
        await using var bob = await TestNode.CreateAsync("bob");
        var id = await bob.C.SendMessageAsync(alice.Address, "for alice only");
        using var carol = SecretKey.Generate();
        using var session = PeerSession.Create(carol, bob.Id);
        var (endpoint, connection, stream) = await RawStreamAsync(carol, bob);
        await using (endpoint)
        {
            await FrameCodec.WriteFrameAsync(stream, Envelope(session, carol.PublicKey, new DeliveredControl("d1", [id])), default);
            await FrameCodec.WriteFrameAsync(stream, Envelope(session, carol.PublicKey, new DeleteControl("x1", id)), default);
            await FrameCodec.WriteFrameAsync(stream, Envelope(session, carol.PublicKey, Text("c1", "after")), default);
            var answers = await AcceptAnswersAsync(connection);
            Assert.Null(ResponseError.TryParse(await NextAnswerAsync(answers)));
        }

        Assert.Equal([id], (await bob.Store.GetOutboxAsync(alice.Id)).Select(e => e.Id));
        Assert.Equal(MessageStatus.Pending, (await bob.Store.GetMessageAsync(id))!.Status);
        Assert.Empty(bob.Events.Of<MessageDeliveredEvent>());
        Assert.Empty(bob.Events.Of<MessageDeletedEvent>());
    }

    [Fact]
    public async Task StoreReadFailsBeforeCommit_SessionNotAdvanced_SameEnvelopeLaterAccepted()
    {
        await using var bob = await TestNode.CreateAsync("bob");
        using var carol = SecretKey.Generate();
        using var session = PeerSession.Create(carol, bob.Id);
        var frame = Envelope(session, carol.PublicKey, Text("c1", "hello"));
        bob.Crashing!.FailNextLookup();
        var (first, _, firstStream) = await RawStreamAsync(carol, bob);
        await using (first)
        {
            await FrameCodec.WriteFrameAsync(firstStream, frame, default);
            Assert.True(await ClosedAsync(firstStream));
        }

        // The decrypt advanced the session in memory but nothing was committed: the same envelope must still open.
        var (second, connection, stream) = await RawStreamAsync(carol, bob);
        await using (second)
        {
            await FrameCodec.WriteFrameAsync(stream, frame, default);
            var answers = await AcceptAnswersAsync(connection);
            Assert.Null(ResponseError.TryParse(await NextAnswerAsync(answers)));
        }

        Assert.Equal(["c1"], (await bob.C.GetMessagesAsync(carol.PublicKey)).Select(m => m.Id));
    }

    [Theory]
    [InlineData("evicted")]
    [InlineData("expired")]
    public async Task AnnouncedAttachment_EvictedOrExpired_UploadRejected(string why)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var bob = await TestNode.CreateAsync("bob", start: false);
        await bob.StartAsync(configure: o => o with { TimeProvider = time });
        using var carol = SecretKey.Generate();
        using var session = PeerSession.Create(carol, bob.Id);
        var key = new byte[32];
        var content = "hi"u8.ToArray();
        var descriptor = new AttachmentDescriptor("a0", "x.bin", "application/octet-stream", content.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), key);
        var (endpoint, connection, stream) = await RawStreamAsync(carol, bob);
        await using (endpoint)
        {
            await FrameCodec.WriteFrameAsync(stream, Envelope(session, carol.PublicKey, new MessageControl("m0", "file", 1767268800000, [descriptor], null)), default);
            var extra = why == "evicted" ? PeerChannel.MaxExpectedAttachments : 0;
            for (var i = 1; i <= extra; i++)
            {
                var other = descriptor with { Key = new byte[32] };
                await FrameCodec.WriteFrameAsync(stream, Envelope(session, carol.PublicKey, new MessageControl($"m{i}", "file", 1767268800000, [other], null)), default);
            }

            await AcceptAnswersAsync(connection);
            await Eventually.WaitAsync(async () => (await bob.C.GetMessagesAsync(carol.PublicKey, 1000)).Count == extra + 1, "bob stores the announcements");
        }

        if (why == "expired")
        {
            // Bob's clock also drives idle timeouts, so the upload comes on a fresh connection.
            time.Advance(PeerChannel.ExpectedAttachmentLifetime + TimeSpan.FromMinutes(1));
        }

        var (uploader, _, upload) = await RawStreamAsync(carol, bob, (byte)StreamKind.Attachment);
        await using (uploader)
        {
            await FrameCodec.WriteFrameAsync(upload, new AttachmentHeader("m0", "a0").ToJson(), default);
            using (var cipher = new AttachmentCipher(key, "m0", "a0"))
            {
                try
                {
                    await FrameCodec.WriteFrameAsync(upload, cipher.Seal(0, content, last: true), default);
                }
                catch (TransportException ex) when (ex.Error == TransportError.StreamAborted)
                {
                    // Bob may refuse on the header alone and stop reading before the content arrives: the verdict says why.
                }
            }

            var verdict = new byte[1];
            await upload.ReadExactlyAsync(verdict);
            Assert.Equal(0x01, verdict[0]);
            Assert.True(bob.Logs.Has(4011, "no message announced it"));
        }
    }

    [Fact]
    public async Task RememberedKind_SameControlIdTwice_AppliedOnceAcrossRestart()
    {
        // A kind that remembers ids (call offers do) is applied once for good, even when the retry of a control
        // whose acknowledgement was lost arrives after a restart, when the short-term duplicate check is gone.
        var offer = new ControlKind<PingBody>("test.offer", PingJsonContext.Default.PingBody) { RemembersIds = true };
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true);
        var applied = 0;
        ValueTask Count(ControlContext context, PingBody body, CancellationToken ct)
        {
            Interlocked.Increment(ref applied);
            return ValueTask.CompletedTask;
        }

        bob.C.RegisterControl(offer, Count);
        using var carol = SecretKey.Generate();
        using var session = PeerSession.Create(carol, bob.Id);
        var control = new ExtensionControl("k1", offer.Name, JsonSerializer.SerializeToElement(new PingBody(1), PingJsonContext.Default.PingBody));
        for (var round = 0; round < 2; round++)
        {
            var (endpoint, connection, stream) = await RawStreamAsync(carol, bob);
            await using (endpoint)
            {
                await FrameCodec.WriteFrameAsync(stream, Envelope(session, carol.PublicKey, control), default);
                var answers = await AcceptAnswersAsync(connection);
                Assert.Null(ResponseError.TryParse(await NextAnswerAsync(answers)));
            }

            Assert.Equal(1, Volatile.Read(ref applied));
            if (round == 0)
            {
                await bob.RestartAsync();
                bob.C.RegisterControl(offer, Count);
            }
        }
    }

    public static TheoryData<string> StreamKillers() => ["forged-sender", "oversized-frame", "garbage-json", "unknown-stream-kind", "truncated-frame"];

    [Theory]
    [MemberData(nameof(StreamKillers))]
    public async Task HostileFrame_StreamClosedReasonLogged_GenuineTrafficContinues(string attack)
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        await GenuineTrafficStillFlowsAsync(alice, bob, "before");
        using var mallory = SecretKey.Generate();
        using var session = PeerSession.Create(mallory, bob.Id);
        var (endpoint, _, stream) = await RawStreamAsync(mallory, bob, attack == "unknown-stream-kind" ? (byte)0x7f : (byte)0x01);
        await using (endpoint)
        {
            MessagingError expected;
            switch (attack)
            {
                case "forged-sender":
                    // Mallory's TLS identity, Alice's name in the envelope.
                    await FrameCodec.WriteFrameAsync(stream, Envelope(session, alice.Id, Text("f1", "I am alice")), default);
                    expected = MessagingError.SenderMismatch;
                    break;
                case "oversized-frame":
                    var header = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(header, 50_000_000);
                    await stream.WriteAsync(header);
                    expected = MessagingError.FrameTooLarge;
                    break;
                case "garbage-json":
                    await FrameCodec.WriteFrameAsync(stream, Encoding.UTF8.GetBytes("{\"sender\": [1,2,3], \"oops\""), default);
                    expected = MessagingError.MalformedEnvelope;
                    break;
                case "unknown-stream-kind":
                    expected = MessagingError.MalformedFrame;
                    break;
                default:
                    await stream.WriteAsync(new byte[] { 0, 0, 1, 0, 42 });
                    stream.CompleteWrites();
                    expected = MessagingError.MalformedFrame;
                    break;
            }

            Assert.True(await ClosedAsync(stream));
            await Eventually.WaitAsync(() => Task.FromResult(bob.Logs.Has(4001, expected.ToString())), $"logged {expected}");
        }

        Assert.Empty(await bob.C.GetMessagesAsync(mallory.PublicKey));
        Assert.DoesNotContain(bob.Events.Of<MessageReceivedEvent>(), m => m.Message.Content == "I am alice");
        await GenuineTrafficStillFlowsAsync(alice, bob, "after");
    }
}
