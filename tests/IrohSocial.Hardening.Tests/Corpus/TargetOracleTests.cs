using IrohSocial.Crypto;
using IrohSocial.Fuzz;
using IrohSocial.Fuzz.Fixtures;
using IrohSocial.Media.Framing;

namespace IrohSocial.Hardening.Tests.Corpus;

/// <summary>
/// The targets' oracles can fail, and the seeds reach the deep paths they are meant to (a seed that no
/// longer decrypts would make the decrypt target fuzz only the parser).
/// </summary>
public sealed class TargetOracleTests
{
    private static readonly string CorpusRoot = Path.Combine(AppContext.BaseDirectory, "corpus");

    [Theory]
    [InlineData("seed-fresh-in-order.bin", false, 2)]
    [InlineData("seed-established-next-chain.bin", true, 2)]
    [InlineData("seed-established-skip.bin", true, 2)]
    public void DecryptSeeds_DecryptUnderTheFixtureSession(string seed, bool established, int expected)
    {
        var input = File.ReadAllBytes(Path.Combine(CorpusRoot, "ratchet-decrypt", seed));
        using var alice = FuzzFixtures.CreateAlice();
        using var bob = FuzzFixtures.CreateBob();
        using var session = established
            ? PeerSession.Deserialize(bob, FuzzFixtures.Read(FuzzFixtures.EstablishedBobStateResource))
            : PeerSession.Create(bob, alice.PublicKey);
        Assert.Equal(established ? 1 : 0, input[0] & 1);

        var reader = new FuzzInput(input);
        Assert.True(reader.TryReadByte(out _));
        var decrypted = 0;
        while (reader.TryReadRecord(out var record))
        {
            Assert.True(RatchetMessage.TryParse(record, out var message));
            decrypted += session.TryDecrypt(message, out _, out _) ? 1 : 0;
        }

        Assert.Equal(expected, decrypted);
    }

    [Theory]
    [InlineData("seed-time.bin", true)]
    [InlineData("seed-schedule.bin", true)]
    [InlineData("seed-call.bin", true)]
    [InlineData("seed-call-bad-utf8.bin", false)]
    public void StoreRowSeeds_DecodeOrNotAsNamed(string seed, bool decodes)
    {
        // The seeds reach the re-encode check (a seed that never decodes would fuzz only the length checks).
        var input = File.ReadAllBytes(Path.Combine(CorpusRoot, "store-row", seed));
        var data = input.AsSpan(1);
        var decoded = input[0] switch
        {
            0 => Storage.Sqlite.Internal.RowCodec.TryDecodeTime(data, out _),
            1 => Storage.Sqlite.Internal.RowCodec.TryDecodeSchedule(data, out _, out _, out _),
            _ => Storage.Sqlite.Internal.LegacyCallRow.TryDecode(data) is not null,
        };
        Assert.Equal(decodes, decoded);
        FuzzTargets.Get("store-row").Run(input);
    }

    [Fact]
    public void SecuritySeeds_ReachTheDeepPaths()
    {
        // The signed decrypt_failed seed verifies (so the target fuzzes the signature check, not only JSON) ...
        var signed = File.ReadAllBytes(Path.Combine(CorpusRoot, "decrypt-failed", "seed-signed.bin"));
        Assert.True(signed.AsSpan().IndexOf("\"signature\":\""u8) >= 0);
        // ... and the stored-attachment seeds are well-formed sealed files of the sizes they claim.
        Assert.Equal(1 + 32 + 16, File.ReadAllBytes(Path.Combine(CorpusRoot, "attachment-file", "seed-empty.bin")).Length);
        Assert.Equal(1 + 32 + (64 * 1024) + 100 + (2 * 16), File.ReadAllBytes(Path.Combine(CorpusRoot, "attachment-file", "seed-two-chunks.bin")).Length);
        FuzzTargets.Get("decrypt-failed").Run(signed);
        FuzzTargets.Get("attachment-file").Run(File.ReadAllBytes(Path.Combine(CorpusRoot, "attachment-file", "seed-small.bin")));
    }

    [Fact]
    public async Task MediaStreamSeed_OpensEveryFrameUnderTheFixtureKeys()
    {
        using var keys = FuzzFixtures.CreateCallKeys(isCaller: false);
        using var stream = new MemoryStream(File.ReadAllBytes(Path.Combine(CorpusRoot, "media-stream", "seed-audio-three-frames.bin")));
        var preamble = await MediaStreamPreamble.ReadAsync(stream, TestContext.Current.CancellationToken);
        Assert.Equal(FuzzFixtures.CallId, preamble.CallId);
        var opener = new MediaFrameOpener(keys.Receive, preamble.Kind);
        var reader = new MediaFrameReader(stream);
        while (await reader.ReadFrameAsync(TestContext.Current.CancellationToken) is { } frame)
        {
            Assert.Equal(MediaFrameOpenResult.Opened, opener.TryOpen(frame, out _));
        }

        Assert.Equal(3, opener.OpenedFrames);
    }

    [Fact]
    public void MessageTarget_AcceptsEveryTruncationAndBitFlip_OfAValidMessage()
    {
        var target = FuzzTargets.Get("ratchet-message");
        var seed = File.ReadAllBytes(Path.Combine(CorpusRoot, "ratchet-message", "seed-setup-message.bin"));
        for (var length = 0; length <= seed.Length; length++)
        {
            target.Run(seed.AsSpan(0, length));
        }

        for (var bit = 0; bit < seed.Length * 8; bit++)
        {
            var copy = (byte[])seed.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            target.Run(copy);
        }
    }

    [Fact]
    public void FuzzInvariantException_Check_ThrowsOnlyWhenFalse()
    {
        FuzzInvariantException.Check(true, "holds");
        var e = Assert.Throws<FuzzInvariantException>(() => FuzzInvariantException.Check(false, "broken property"));
        Assert.Equal("broken property", e.Message);
    }

    [Fact]
    public void FuzzInput_SplitsRecords_AndTruncatesTheLastOne()
    {
        var joined = FuzzInput.Join([9], [1, 2], [], [3]);
        Assert.Equal(new byte[] { 9, 0, 2, 1, 2, 0, 0, 0, 1, 3 }, joined);
        var reader = new FuzzInput([0, 5, 1, 2]);
        Assert.True(reader.TryReadRecord(out var short1));
        Assert.Equal(new byte[] { 1, 2 }, short1.ToArray());
        Assert.False(reader.TryReadRecord(out _));
    }
}
