using IrohSocial.Crypto;
using IrohSocial.Fuzz.Fixtures;

namespace IrohSocial.Fuzz.Targets;

/// <summary>Targets for the ratchet wire format and the decrypt state machine.</summary>
internal static class RatchetTargets
{
    public static IEnumerable<FuzzTarget> All =>
    [
        new("ratchet-message", "RatchetMessage.TryParse and RatchetHeader.TryRead; accepted input re-encodes to the same bytes.", Message),
        new("ratchet-decrypt", "A sequence of messages into Bob's fresh or established PeerSession; failed decrypts leave the state unchanged, replays fail, the state round-trips.", Decrypt),
        new("ratchet-state", "PeerSession.Deserialize of stored state; only RatchetException is allowed, accepted state re-serializes stably.", State),
    ];

    private static void Message(ReadOnlySpan<byte> input)
    {
        if (RatchetMessage.TryParse(input, out var message))
        {
            FuzzInvariantException.Check(message.ToBytes().AsSpan().SequenceEqual(input), "parsed message re-encodes to its input");
        }

        if (RatchetHeader.TryRead(input, out var header, out var read))
        {
            FuzzInvariantException.Check(header is not null && read == header.EncodedSize && read <= input.Length, "header size matches what was read");
            var buffer = new byte[read];
            header!.WriteTo(buffer);
            FuzzInvariantException.Check(buffer.AsSpan().SequenceEqual(input[..read]), "parsed header re-encodes to its input");
        }
    }

    /// <summary>
    /// Input: <c>[u8 start]</c> (even: a fresh session, odd: the established fixture) then length-prefixed messages.
    /// </summary>
    private static void Decrypt(ReadOnlySpan<byte> input)
    {
        var reader = new FuzzInput(input);
        if (!reader.TryReadByte(out var start))
        {
            return;
        }

        using var alice = FuzzFixtures.CreateAlice();
        using var bob = FuzzFixtures.CreateBob();
        using var session = (start & 1) == 0
            ? PeerSession.Create(bob, alice.PublicKey)
            : PeerSession.Deserialize(bob, FuzzFixtures.Read(FuzzFixtures.EstablishedBobStateResource));

        for (var i = 0; i < 32 && reader.TryReadRecord(out var record); i++)
        {
            if (!RatchetMessage.TryParse(record, out var message))
            {
                continue;
            }

            var before = session.Serialize();
            if (!session.TryDecrypt(message, out _, out _))
            {
                FuzzInvariantException.Check(session.Serialize().AsSpan().SequenceEqual(before), "a failed decrypt leaves the state unchanged");
                continue;
            }

            var after = session.Serialize();
            FuzzInvariantException.Check(!session.TryDecrypt(message, out _, out _), "a message decrypts only once");
            FuzzInvariantException.Check(session.Serialize().AsSpan().SequenceEqual(after), "a rejected replay leaves the state unchanged");
        }

        var stored = session.Serialize();
        using var restored = PeerSession.Deserialize(bob, stored);
        FuzzInvariantException.Check(restored.Serialize().AsSpan().SequenceEqual(stored), "the session state round-trips");
    }

    private static void State(ReadOnlySpan<byte> input)
    {
        using var bob = FuzzFixtures.CreateBob();
        PeerSession session;
        try
        {
            session = PeerSession.Deserialize(bob, input);
        }
        catch (RatchetException)
        {
            return;
        }

        using (session)
        {
            var once = session.Serialize();
            using var again = PeerSession.Deserialize(bob, once);
            FuzzInvariantException.Check(again.Serialize().AsSpan().SequenceEqual(once), "a restored state re-serializes stably");
        }
    }
}
