using System.Net;
using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Tests;

public sealed class PeerArgumentTests
{
    private static readonly Gen<EndpointAddr> Addresses =
        from seed in Gen.Byte.Array[32]
        from port in Gen.Int[1, 65535]
        from a in Gen.Byte.Array[4]
        select new EndpointAddr(PublicKeyOf(seed), [new IPEndPoint(new IPAddress(a), port)]);

    [Fact]
    public void ParseId_TicketOrHex_GiveTheSameId() =>
        Addresses.Sample(addr =>
        {
            Assert.Equal(addr.Id, PeerArgument.ParseId(addr.ToTicket()));
            Assert.Equal(addr.Id, PeerArgument.ParseId(addr.Id.ToString()));
            Assert.Equal(addr, PeerArgument.ParseTicket("  " + addr.ToTicket() + "\n"));
        }, iter: 50);

    [Fact]
    public void ParseId_AnyOtherText_ThrowsCliException() =>
        Gen.String.Where(s => s.Trim().Length != 64 && !s.TrimStart().StartsWith(EndpointAddr.TicketPrefix, StringComparison.Ordinal))
            .Sample(s => Assert.Throws<CliException>(() => PeerArgument.ParseId(s)), iter: 200);

    private static EndpointId PublicKeyOf(byte[] seed)
    {
        using var key = SecretKey.Import(seed);
        return key.PublicKey;
    }
}
