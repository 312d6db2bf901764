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

    [Fact]
    public void ToTicket_GoldenBytes()
    {
        var id = FixedId();
        var addr = new EndpointAddr(id, [new IPEndPoint(IPAddress.Parse("127.0.0.1"), 4433), new IPEndPoint(IPAddress.IPv6Loopback, 5555)], new Uri("https://relay.example/"));

        var expected = Convert.FromHexString(
            "01" + Convert.ToHexString(id.ToArray())
            + "02"
            + "04" + "7f000001" + "1151"
            + "06" + "00000000000000000000000000000001" + "15b3"
            + "01" + "0016" + Convert.ToHexString("https://relay.example/"u8));
        Assert.Equal(expected, TicketCodec.EncodeBytes(addr));
        Assert.Equal("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", id.ToString());
        Assert.Equal(
            "irohsocialaeb2cb576phbbpq5odorrz2lycmwpzgwgcn2kdk7dxoimzaskuy3qaqep4aaaairkedaaaaaaaaaaaaaaaaaaaaaaaaacfntaeabm2duoryhgorpf5zgk3dbpexgk6dbnvygyzjp",
            addr.ToTicket());
        Assert.Equal(addr, EndpointAddr.ParseTicket(addr.ToTicket()));
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

        // Arbitrary bytes behind the prefix either fail or are a canonical ticket that re-encodes identically.
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            var ticket = EndpointAddr.TicketPrefix + Base32.Encode(bytes);
            if (EndpointAddr.TryParseTicket(ticket, out var addr))
            {
                Assert.Equal(ticket, addr.ToTicket());
            }
        }, iter: 2000);

        // Every single-character change or truncation of a valid ticket fails or still re-encodes canonically.
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Char['0', 'z']).Sample((index, c) =>
        {
            var mutated = string.Concat(valid.AsSpan(0, index), c.ToString(), valid.AsSpan(index + 1));
            if (EndpointAddr.TryParseTicket(mutated, out var addr))
            {
                Assert.Equal(mutated, addr.ToTicket());
            }

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
