using System.Net;
using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal;

namespace IrohSocial.Transport.Tests;

public sealed class EndpointAddrTests
{
    private static EndpointId FixedId()
    {
        var seed = new byte[32];
        for (var i = 0; i < seed.Length; i++)
        {
            seed[i] = (byte)i;
        }

        using var key = SecretKey.Import(seed);
        return key.PublicKey;
    }

    private static EndpointAddr GoldenAddr() =>
        new(FixedId(), [new IPEndPoint(IPAddress.Parse("127.0.0.1"), 4433), new IPEndPoint(IPAddress.IPv6Loopback, 5555)], new Uri("https://relay.example/"));

    private static string GoldenFieldsHex(string version) =>
        version + "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
        + "02"
        + "04" + "7f000001" + "1151"
        + "06" + "00000000000000000000000000000001" + "15b3"
        + "01" + "0016" + Convert.ToHexString("https://relay.example/"u8);

    // docs/protocol.md 4.3; the CRC-32 (IEEE, as zlib.crc32) 98504b57 was computed independently with Python.
    public const string GoldenTicket =
        "irohsocialaib2cb576phbbpq5odorrz2lycmwpzgwgcn2kdk7dxoimzaskuy3qaqep4aaaairkedaaaaaaaaaaaaaaaaaaaaaaaaacfntaeabm2duoryhgorpf5zgk3dbpexgk6dbnvygyzjptbiewvy";

    // A version 1 ticket (no checksum), as every release before the checksum made them.
    public const string LegacyGoldenTicket =
        "irohsocialaeb2cb576phbbpq5odorrz2lycmwpzgwgcn2kdk7dxoimzaskuy3qaqep4aaaairkedaaaaaaaaaaaaaaaaaaaaaaaaacfntaeabm2duoryhgorpf5zgk3dbpexgk6dbnvygyzjp";

    [Fact]
    public void ToTicket_GoldenBytes()
    {
        var addr = GoldenAddr();

        Assert.Equal("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", addr.Id.ToString());
        Assert.Equal(Convert.FromHexString(GoldenFieldsHex("02") + "98504b57"), TicketCodec.EncodeBytes(addr));
        Assert.Equal(GoldenTicket, addr.ToTicket());
        Assert.Equal(addr, EndpointAddr.ParseTicket(addr.ToTicket(), out var warning));
        Assert.Equal(TicketWarning.None, warning);
    }

    [Fact]
    public void ParseTicket_Version1WithoutChecksum_StillParsesWithAWarning()
    {
        Assert.True(TicketCodec.TryDecodeBytes(Convert.FromHexString(GoldenFieldsHex("01")), out var fromBytes, out var byteWarning, out _));
        Assert.Equal(TicketWarning.NoChecksum, byteWarning);
        Assert.Equal(GoldenAddr(), fromBytes);

        Assert.Equal(GoldenAddr(), EndpointAddr.ParseTicket(LegacyGoldenTicket, out var warning));
        Assert.Equal(TicketWarning.NoChecksum, warning);
        Assert.True(EndpointAddr.TryParseTicket(LegacyGoldenTicket, out var viaTry, out var tryWarning));
        Assert.Equal(GoldenAddr(), viaTry);
        Assert.Equal(TicketWarning.NoChecksum, tryWarning);
        Assert.Equal(GoldenAddr(), EndpointAddr.ParseTicket(LegacyGoldenTicket)); // callers that ignore warnings keep working
        Assert.Equal(GoldenTicket, viaTry.ToTicket()); // re-sharing upgrades it
    }

    [Fact]
    public void ParseTicket_OneCharacterTypoInGoldenTicket_IsRejectedAsAChecksumMismatch()
    {
        // The typo: one character of the id changed, which decoded to a valid look-alike id before.
        var typo = GoldenTicket[..25] + (GoldenTicket[25] == 'b' ? 'c' : 'b') + GoldenTicket[26..];

        var error = Assert.Throws<FormatException>(() => EndpointAddr.ParseTicket(typo));
        Assert.Contains("checksum does not match", error.Message);
        Assert.False(EndpointAddr.TryParseTicket(typo, out _));
    }

    [Fact]
    public void ParseTicket_AnySingleCharacterEdit_IsRejected()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var addresses = Gen.Select(Gen.Bool, Gen.Byte.Array[16], Gen.Int[0, 65535])
            .Select((v6, ip, port) => new IPEndPoint(v6 ? new IPAddress(ip) : new IPAddress(ip[..4]), port)).List[0, 4];
        var tickets = Gen.Select(Gen.Byte.Array[32], addresses).Select((id, list) => new EndpointAddr(new EndpointId(id), list).ToTicket());

        // 0 substitutes a base32 character for another, 1 inserts one, 2 deletes one, 3 swaps two neighbours.
        Gen.Select(tickets, Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Int[0, alphabet.Length - 1]).Sample((ticket, kind, where, letter) =>
        {
            var body = ticket[EndpointAddr.TicketPrefix.Length..];
            var i = where % body.Length;
            var c = alphabet[letter];
            var edited = kind switch
            {
                0 => body[..i] + (body[i] == c ? alphabet[(letter + 1) % alphabet.Length] : c) + body[(i + 1)..],
                1 => body[..i] + c + body[i..],
                2 => body[..i] + body[(i + 1)..],
                _ => i + 1 < body.Length && body[i] != body[i + 1] ? body[..i] + body[i + 1] + body[i] + body[(i + 2)..] : body[..i] + "a" + body[i..],
            };

            Assert.False(EndpointAddr.TryParseTicket(EndpointAddr.TicketPrefix + edited, out var parsed), $"{ticket} edited to {edited} parsed as {parsed}");
        }, iter: 5000);
    }

    [Fact]
    public void ParseTicket_RoundTripsRandomAddresses()
    {
        var gen = Gen.Select(
            Gen.Byte.Array[32],
            Gen.Select(Gen.Bool, Gen.Byte.Array[16], Gen.Int[0, 65535]).List[0, 16],
            Gen.Bool);
        gen.Sample((idBytes, endpoints, withRelay) =>
        {
            var addresses = endpoints.Select(e => new IPEndPoint(e.Item1 ? new IPAddress(e.Item2[..4]) : new IPAddress(e.Item2), e.Item3)).ToList();
            var addr = new EndpointAddr(new EndpointId(idBytes), addresses, withRelay ? new Uri("https://relay.example/x") : null);
            var parsed = EndpointAddr.ParseTicket(addr.ToTicket());
            Assert.Equal(addr, parsed);
        }, iter: 500);
    }

    [Fact]
    public void TryParseTicket_RejectsMalformedInput()
    {
        var valid = new EndpointAddr(FixedId(), [new IPEndPoint(IPAddress.Loopback, 1)]).ToTicket();

        // Arbitrary strings, with and without the prefix, never parse (and never throw).
        Gen.String.Sample(s =>
        {
            Assert.False(EndpointAddr.TryParseTicket(s, out _));
            Assert.False(EndpointAddr.TryParseTicket(EndpointAddr.TicketPrefix + s.ToUpperInvariant() + "!", out _));
        }, iter: 1000);

        // Arbitrary bytes behind the prefix either fail or are a canonical ticket that re-encodes identically
        // (a version 1 body, which has no checksum, re-encodes as version 2 of the same address).
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            var ticket = EndpointAddr.TicketPrefix + Base32.Encode(bytes);
            if (EndpointAddr.TryParseTicket(ticket, out var addr, out var warning))
            {
                Assert.Equal(warning == TicketWarning.None ? ticket : EndpointAddr.ParseTicket(addr.ToTicket()).ToTicket(), addr.ToTicket());
            }
        }, iter: 2000);

        // Every change of one character to any character, and every truncation, of a valid ticket fails.
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Char['0', 'z']).Sample((index, c) =>
        {
            var mutated = string.Concat(valid.AsSpan(0, index), c.ToString(), valid.AsSpan(index + 1));
            Assert.True(mutated == valid || !EndpointAddr.TryParseTicket(mutated, out _), mutated);
            Assert.False(EndpointAddr.TryParseTicket(valid[..index], out _));
        }, iter: 2000);

        Assert.False(EndpointAddr.TryParseTicket(null, out _));
        Assert.Throws<FormatException>(() => EndpointAddr.ParseTicket(valid + "a"));
        Assert.Throws<FormatException>(() => EndpointAddr.ParseTicket(valid.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("irohsocial")]
    [InlineData("endpointaebqnp7tzyil4hlq3umoos6atft6jvrqtosq2xy53remieksrrxaaqeax7qaaaai")]
    [InlineData("irohsocial====")]
    public void ParseTicket_RejectsKnownBadInputs(string ticket)
    {
        Assert.False(EndpointAddr.TryParseTicket(ticket, out _));
        Assert.Throws<FormatException>(() => EndpointAddr.ParseTicket(ticket));
    }

    [Fact]
    public void ToTicket_RejectsWhatDoesNotFit()
    {
        var id = FixedId();
        var many = Enumerable.Range(0, 17).Select(i => new IPEndPoint(IPAddress.Loopback, i)).ToList();
        Assert.Throws<ArgumentException>(() => new EndpointAddr(id, many).ToTicket());
        Assert.Throws<ArgumentException>(() => new EndpointAddr(id, [], new Uri("ftp://relay.example/")).ToTicket());
    }
}
