using System.Net;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Fuzz.Fixtures;
using IrohSocial.Fuzz.Targets;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Video;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Internal;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal;
using Nerdbank.Streams;

namespace IrohSocial.Fuzz;

/// <summary>
/// Writes the seed corpus (fuzz/corpus/TARGET/seed-*.bin) and the fixtures the stateful targets start from.
/// Seeds are small valid inputs plus a few near-misses; the fuzzer mutates from there. Run once and commit the
/// output; re-running replaces the ratchet seeds and fixture together (they must match each other).
/// </summary>
internal static class SeedWriter
{
    /// <summary>Writes the seeds of every group, or of <paramref name="group"/> only (ratchet, video, media).</summary>
    public static void Write(string corpusRoot, string fixtureDirectory, string? group = null)
    {
        var writers = new Dictionary<string, Action>
        {
            ["ratchet"] = () => WriteRatchetSeeds(corpusRoot, fixtureDirectory),
            ["video"] = () => WriteVideoSeeds(corpusRoot),
            ["media"] = () => WriteMediaSeeds(corpusRoot),
            ["transport"] = () => WriteTransportSeeds(corpusRoot),
            ["messaging"] = () => WriteMessagingSeeds(corpusRoot),
            ["security"] = () => WriteSecuritySeeds(corpusRoot),
            ["storage"] = () => WriteStorageSeeds(corpusRoot),
        };
        foreach (var (name, write) in writers)
        {
            if (group is null || group == name)
            {
                write();
            }
        }
    }

    private static void WriteTransportSeeds(string corpusRoot)
    {
        using var identity = FuzzFixtures.CreateBob();
        var addr = new EndpointAddr(identity.PublicKey, [new IPEndPoint(IPAddress.Loopback, 4433), new IPEndPoint(IPAddress.IPv6Loopback, 443)], new Uri("https://relay.example/"));
        var plain = new EndpointAddr(identity.PublicKey, []);
        Seeds(corpusRoot, "ticket", new()
        {
            ["bytes-two-addresses-relay"] = TicketCodec.EncodeBytes(addr),
            ["bytes-id-only"] = TicketCodec.EncodeBytes(plain),
            ["text-two-addresses-relay"] = Encoding.ASCII.GetBytes(addr.ToTicket()),
            ["text-id-only"] = Encoding.ASCII.GetBytes(plain.ToTicket()),
        });

        using var certificate = IdentityCertificate.Create(identity, TransportTargets.CertificateTime);
        using var foreign = IdentityCertificate.Create(identity, TransportTargets.CertificateTime.AddYears(-3));
        Seeds(corpusRoot, "certificate", new()
        {
            ["valid"] = certificate.RawData,
            ["expired"] = foreign.RawData,
        });

        Seeds(corpusRoot, "control-message", new()
        {
            ["max-streams-ping-pong"] = Convert.FromHexString("010008000000000000006402000800000000000000070300080000000000000007"),
            ["reset-stream"] = Convert.FromHexString("0400110000000000000000050000000000000009"),
            ["close-with-reason"] = Convert.FromHexString("05000c000000000000000162796521"),
        });

        Seeds(corpusRoot, "frame-reader", new()
        {
            ["two-frames"] = Convert.FromHexString("0000000568656c6c6f00000000"),
            ["cut-mid-frame"] = Convert.FromHexString("000000ff0102"),
            ["oversized"] = Convert.FromHexString("7fffffff"),
        });

        Seeds(corpusRoot, "mux-frames", new()
        {
            ["channel-with-frame-and-ping"] = RecordMuxSession(),
        });
    }

    /// <summary>The bytes a client MultiplexingStream sends: a control PING on channel 0, one channel with a frame, then close.</summary>
    private static byte[] RecordMuxSession()
    {
        var (clientSide, serverSide) = FullDuplexStream.CreatePair();
        var recorded = new MemoryStream();
        var tee = FullDuplexStream.Splice(clientSide, new TeeStream(clientSide, recorded));
        Task.Run(async () =>
        {
            var server = MultiplexingStream.CreateAsync(serverSide, MuxOptions()).ConfigureAwait(false);
            var client = MultiplexingStream.CreateAsync(tee, MuxOptions()).ConfigureAwait(false);
            await using var s = await server;
            await using var c = await client;
            s.ChannelOffered += (_, e) => _ = Drain(s.AcceptChannel(e.QualifiedId.Id));
            s.StartListening();
            c.StartListening();
            _ = Drain(s.AcceptChannel(0));
            var control = c.AcceptChannel(0);
            await control.Output.WriteAsync(Convert.FromHexString("02000800000000000000ab"));
            await control.Output.FlushAsync();
            var offered = c.OfferChannelAsync(string.Empty);
            var channel = await offered;
            await channel.Output.WriteAsync(Convert.FromHexString("0000000568656c6c6f"));
            await channel.Output.CompleteAsync();
            await Task.Delay(200);
        }).GetAwaiter().GetResult();
        return recorded.ToArray();

        static async Task Drain(MultiplexingStream.Channel channel)
        {
            while (true)
            {
                var result = await channel.Input.ReadAsync();
                channel.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
    }

    private static MultiplexingStream.Options MuxOptions()
    {
        var options = new MultiplexingStream.Options
        {
            ProtocolMajorVersion = 3,
            DefaultChannelReceivingWindowSize = 64 * 1024,
            StartSuspended = true,
            FaultOpenChannelsOnStreamDisposal = true,
        };
        options.SeededChannels.Add(new MultiplexingStream.ChannelOptions());
        return options;
    }

    /// <summary>Writes to the real stream and to a recording.</summary>
    private sealed class TeeStream(Stream inner, Stream copy) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (copy)
            {
                copy.Write(buffer, offset, count);
            }

            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (copy)
            {
                copy.Write(buffer.Span);
            }

            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    private static void WriteMessagingSeeds(string corpusRoot)
    {
        using var aliceKey = FuzzFixtures.CreateAlice();
        using var bobKey = FuzzFixtures.CreateBob();
        using var alice = PeerSession.Create(aliceKey, bobKey.PublicKey);
        var first = alice.Encrypt("{}"u8);
        var second = alice.Encrypt("{\"type\":\"typing\",\"id\":\"t1\"}"u8);
        byte[] Envelope(RatchetMessage m) => new EncryptedEnvelope(aliceKey.PublicKey.ToString(), m.Header.RatchetKey, m.Header.SetupEphemeralKey,
            m.Header.MessageNumber, m.Header.PreviousChainLength, m.Ciphertext, m.Nonce).ToJson();
        var e1 = Envelope(first);
        var e2 = Envelope(second);
        byte[] Frame(byte[] payload) => [(byte)(payload.Length >> 24), (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];
        Seeds(corpusRoot, "envelope", new()
        {
            ["two-frames"] = [.. Frame(e1), .. Frame(e2)],
            ["bad-json-then-good"] = [.. Frame("{\"sender\":1}"u8.ToArray()), .. Frame(e2)],
            ["cut-frame"] = Frame(e1)[..40],
        });

        AttachmentDescriptor[] descriptors = [new("a0", "photo.jpg", "image/jpeg", 1234L, new string('a', 64), new byte[32])];
        Seeds(corpusRoot, "control", new()
        {
            ["message"] = new MessageControl("m1", "hello", 1_700_000_000_000L, null, null).ToJson(),
            ["message-reply"] = new MessageControl("m2", "re", 1_700_000_000_001L, null, "m1").ToJson(),
            ["typing"] = new TypingControl("t1").ToJson(),
            ["read"] = new ReadControl("r1", ["m1", "m2"]).ToJson(),
            ["delete"] = new DeleteControl("d1", "m1").ToJson(),
            ["delivered"] = new DeliveredControl("k1", ["m1"]).ToJson(),
            ["call-offer"] = new ExtensionControl("c1", "call.signal", System.Text.Json.JsonDocument.Parse(
                """{"call_id":"call-1","kind":"Offer","audio_codec":"opus48k","video":true,"media_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","reason":null,"candidate":null}""").RootElement).ToJson(),
        });
        Seeds(corpusRoot, "attachment-metadata", new()
        {
            ["attachment-header"] = new AttachmentHeader("m1", "a0").ToJson(),
            ["message-with-attachment"] = new MessageControl("m3", "see attached", 1_700_000_000_002L, descriptors, null).ToJson(),
        });
    }

    private static void WriteMediaSeeds(string corpusRoot)
    {
        using var keys = FuzzFixtures.CreateCallKeys(isCaller: true);
        var audio = new MediaStreamPreamble(FuzzFixtures.CallId, MediaStreamKind.Audio).ToArray();
        var video = new MediaStreamPreamble(FuzzFixtures.CallId, MediaStreamKind.Video).ToArray();
        var audioSealer = new MediaFrameSealer(keys.Send, MediaStreamKind.Audio);
        var a0 = audioSealer.Seal(0, new byte[40]);
        var a1 = audioSealer.Seal(20_000, new byte[60]);
        var a2 = audioSealer.Seal(40_000, [1, 2, 3]);
        var videoSealer = new MediaFrameSealer(keys.Send, MediaStreamKind.Video);
        var v0 = videoSealer.Seal(0, new byte[300]);
        Seeds(corpusRoot, "media-preamble", new()
        {
            ["audio"] = audio,
            ["video"] = video,
            ["reports"] = new MediaStreamPreamble(Guid.Empty, MediaStreamKind.AudioReport).ToArray(),
        });
        Seeds(corpusRoot, "media-frame-header", new()
        {
            ["audio-frame"] = a0,
            ["empty-frame"] = a2[..MediaFrameHeader.Size],
        });
        Seeds(corpusRoot, "media-stream", new()
        {
            ["audio-three-frames"] = [.. audio, .. a0, .. a1, .. a2],
            ["audio-out-of-order-replay"] = [.. audio, .. a2, .. a0, .. a2],
            ["video-one-frame"] = [.. video, .. v0],
            ["audio-cut-mid-frame"] = [.. audio, .. a0, .. a1[..20]],
            ["wrong-kind"] = [.. video, .. a0],
        });
    }

    private static void WriteRatchetSeeds(string corpusRoot, string fixtureDirectory)
    {
        using var aliceKey = FuzzFixtures.CreateAlice();
        using var bobKey = FuzzFixtures.CreateBob();
        using var alice = PeerSession.Create(aliceKey, bobKey.PublicKey);
        using var bob = PeerSession.Create(bobKey, aliceKey.PublicKey);
        var freshBob = bob.Serialize();

        var m0 = alice.Encrypt("hello 0"u8).ToBytes();
        var m1 = alice.Encrypt("hello 1"u8).ToBytes();
        Require(bob.TryDecrypt(RatchetMessage.TryParse(m0, out var p0) ? p0 : null!, out _, out _), "m0");
        Require(bob.TryDecrypt(RatchetMessage.TryParse(m1, out var p1) ? p1 : null!, out _, out _), "m1");
        var r0 = bob.Encrypt("reply 0"u8);
        Require(alice.TryDecrypt(r0, out _, out _), "r0");
        var established = bob.Serialize();
        var m2 = alice.Encrypt("hello 2 after the reply"u8).ToBytes();
        var m3 = alice.Encrypt(Encoding.UTF8.GetBytes(new string('x', 300))).ToBytes();
        var tampered = (byte[])m2.Clone();
        tampered[^1] ^= 0x40;

        Directory.CreateDirectory(fixtureDirectory);
        File.WriteAllBytes(Path.Combine(fixtureDirectory, FuzzFixtures.EstablishedBobStateResource), established);

        Seeds(corpusRoot, "ratchet-message", new()
        {
            ["setup-message"] = m0,
            ["ratchet-message"] = m2,
            ["reply-message"] = r0.ToBytes(),
            ["header-only"] = m2[1..(1 + RatchetHeader.BaseSize)],
            ["empty"] = [],
        });
        Seeds(corpusRoot, "ratchet-decrypt", new()
        {
            ["fresh-first"] = FuzzInput.Join([0], m0),
            ["fresh-in-order"] = FuzzInput.Join([0], m0, m1),
            ["fresh-out-of-order"] = FuzzInput.Join([0], m1, m0),
            ["fresh-replay"] = FuzzInput.Join([0], m0, m0),
            ["established-next-chain"] = FuzzInput.Join([1], m2, m3),
            ["established-skip"] = FuzzInput.Join([1], m3, m2),
            ["established-tampered"] = FuzzInput.Join([1], tampered, m2),
            ["established-old-chain"] = FuzzInput.Join([1], m1, m2),
        });
        Seeds(corpusRoot, "ratchet-state", new()
        {
            ["fresh"] = freshBob,
            ["established"] = established,
        });
    }

    private static void WriteVideoSeeds(string corpusRoot)
    {
        byte[] Header(VideoFrameHeader header, int payload)
        {
            var bytes = new byte[VideoFrameHeader.Size + payload];
            header.WriteTo(bytes);
            return bytes;
        }

        Seeds(corpusRoot, "video-header", new()
        {
            ["keyframe-640x480"] = Header(new VideoFrameHeader(0, 0, true, 640, 480, 8), 8),
            ["delta-320x240"] = Header(new VideoFrameHeader(uint.MaxValue, 41_666, false, 320, 240, 0), 0),
            ["max-payload"] = Header(new VideoFrameHeader(7, ulong.MaxValue, false, 1280, 720, VideoFrameHeader.MaxPayloadLength), 0),
        });
    }

    /// <summary>Seeds of the decrypt_failed frame and the stored attachment file (issue 17's parsers).</summary>
    private static void WriteSecuritySeeds(string corpusRoot)
    {
        using var alice = FuzzFixtures.CreateAlice();
        using var bob = FuzzFixtures.CreateBob();
        var ratchetKey = Enumerable.Repeat((byte)0x42, 32).ToArray();
        var signed = ResponseError.CreateDecryptFailed(alice, bob.PublicKey, ratchetKey, 7).ToJson();
        Seeds(corpusRoot, "decrypt-failed", new()
        {
            ["signed"] = signed,
            ["unsigned"] = new ResponseError(ResponseError.DecryptFailed, ratchetKey, 7).ToJson(),
            ["short-key"] = Encoding.UTF8.GetBytes("{\"error\":\"decrypt_failed\",\"ratchet_key\":\"AAAA\",\"message_number\":1,\"nonce\":null,\"signature\":null}"),
        });

        var folder = Directory.CreateTempSubdirectory("irohsocial-seed-vault-");
        try
        {
            using var sealer = new AtRestSealer(bob);
            using var vault = new AttachmentVault(folder.FullName, sealer);
            byte[] Stored(byte[] content)
            {
                using (var writer = vault.CreateWriter(alice.PublicKey, FuzzFixtures.AttachmentMessageId, FuzzFixtures.AttachmentId))
                {
                    writer.WriteAsync(content, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    var path = writer.CommitAsync(CancellationToken.None).GetAwaiter().GetResult();
                    var bytes = File.ReadAllBytes(path);
                    File.Delete(path);
                    return bytes;
                }
            }

            Seeds(corpusRoot, "attachment-file", new()
            {
                ["empty"] = Stored([]),
                ["small"] = Stored("hello attachment"u8.ToArray()),
                ["two-chunks"] = Stored(new byte[AttachmentCipher.ChunkSize + 100]),
            });
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void WriteStorageSeeds(string corpusRoot)
    {
        using var alice = FuzzFixtures.CreateAlice();
        var call = new Storage.Sqlite.Internal.LegacyCallRow("call-7f3a", alice.PublicKey, Direction: 1, StartedMs: 1_767_268_800_000, DurationMs: 61_000,
            HadVideo: true, EndedReason: 0);
        Seeds(corpusRoot, "store-row", new()
        {
            ["time"] = [StorageTargets.TimeKind, .. Storage.Sqlite.Internal.RowCodec.EncodeTime(1_767_268_800_000)],
            ["schedule"] = [StorageTargets.ScheduleKind, .. Storage.Sqlite.Internal.RowCodec.EncodeSchedule(1_767_268_800_000, 3, 1_767_268_860_000)],
            ["call"] = [StorageTargets.CallKind, .. call.Encode()],
            ["call-bad-utf8"] = [StorageTargets.CallKind, .. (call with { CallId = "x" }).Encode()[..^1], 0xC3],
        });
    }

    private static void Seeds(string corpusRoot, string target, Dictionary<string, byte[]> seeds)
    {
        _ = FuzzTargets.Get(target);
        var directory = Path.Combine(corpusRoot, target);
        Directory.CreateDirectory(directory);
        foreach (var (name, bytes) in seeds)
        {
            var path = Path.Combine(directory, $"seed-{name}.bin");
            File.WriteAllBytes(path, bytes);
            Console.WriteLine($"{path} ({bytes.Length} bytes)");
        }
    }

    private static void Require(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"Seed generation: {what} did not decrypt.");
        }
    }
}
