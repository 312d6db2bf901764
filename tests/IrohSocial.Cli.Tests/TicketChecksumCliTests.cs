using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Tests;

/// <summary>Issue 19: a mistyped ticket is refused with the reason; an old ticket without checksum works with a warning.</summary>
public sealed class TicketChecksumCliTests : IDisposable
{
    // docs/protocol.md 4.3: the same address as a version 1 ticket (no checksum).
    private const string LegacyTicket =
        "irohsocialaeb2cb576phbbpq5odorrz2lycmwpzgwgcn2kdk7dxoimzaskuy3qaqep4aaaairkedaaaaaaaaaaaaaaaaaaaaaaaaacfntaeabm2duoryhgorpf5zgk3dbpexgk6dbnvygyzjp";

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Send_TicketWithOneCharacterChanged_ExitsOneNamingTheChecksum()
    {
        using var key = SecretKey.Generate();
        var ticket = new EndpointAddr(key.PublicKey, [new IPEndPoint(IPAddress.Loopback, 7011)]).ToTicket();
        var typo = ticket[..25] + (ticket[25] == 'b' ? 'c' : 'b') + ticket[26..];

        var send = await CliRun.RunAsync(_temp.Sub("alice"), "send", typo, "hello", "--bind", "127.0.0.1:0");

        Assert.Equal(ExitCodes.Error, await send.Exit);
        Assert.Contains("checksum does not match", send.Error.Text);
        Assert.Empty(send.Out.Lines); // nothing was queued
    }

    [Fact]
    public void ParseTicket_LegacyTicket_ParsesAndWarns()
    {
        using var warnings = new StringWriter();

        var addr = PeerArgument.ParseTicket(LegacyTicket, warnings);

        Assert.Equal("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", addr.Id.ToString());
        Assert.Contains("without a checksum", warnings.ToString());

        using var none = new StringWriter();
        PeerArgument.ParseTicket(addr.ToTicket(), none);
        Assert.Equal("", none.ToString());
    }

    public void Dispose() => _temp.Dispose();
}
