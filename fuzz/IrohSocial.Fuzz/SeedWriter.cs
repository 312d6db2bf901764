using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Fuzz.Fixtures;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Video;

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
        };
        foreach (var (name, write) in writers)
        {
            if (group is null || group == name)
            {
                write();
            }
        }
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

    private static void Seeds(string corpusRoot, string target, Dictionary<string, byte[]> seeds)
    {
        _ = FuzzTargets.Get(target);
        var directory = Path.Combine(corpusRoot, target);
        Directory.CreateDirectory(directory);
        foreach (var (name, bytes) in seeds)
        {
            File.WriteAllBytes(Path.Combine(directory, $"seed-{name}.bin"), bytes);
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
