using System.Net;
using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Mailbox.Internal;
using IrohSocial.Transport;

namespace IrohSocial.Mailbox.Tests;

/// <summary>Known answers of docs/protocol.md section 12 (layouts by hand, the ticket's CRC and base32 with Python's zlib/base64).</summary>
public sealed class MailboxWireTests
{
    private static readonly EndpointId Alice = EndpointId.Parse("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");

    [Fact]
    public void Requests_KnownAnswers()
    {
        Assert.Equal("01" + Alice + "026d31" + "00000e10" + "616263", Convert.ToHexStringLower(MailboxWire.Put(Alice, "m1", 3600, "abc"u8)));
        Assert.Equal("020100", Convert.ToHexStringLower(MailboxWire.List(256)));
        Assert.Equal("03" + Alice + "026d31", Convert.ToHexStringLower(MailboxWire.Get(new MailboxItemKey(Alice, "m1"))));
        Assert.Equal("040001" + Alice + "026d31", Convert.ToHexStringLower(MailboxWire.Ack([new MailboxItemKey(Alice, "m1")])));
        Assert.Equal("05", Convert.ToHexStringLower(MailboxWire.Watch()));
        Assert.Equal("06010001" + Alice, Convert.ToHexStringLower(MailboxWire.SetDepositors([Alice])));
        Assert.Equal("06000000", Convert.ToHexStringLower(MailboxWire.SetDepositors(null)));
        Assert.Equal("07", Convert.ToHexStringLower(MailboxWire.Stats()));
    }

    [Fact]
    public void Answers_KnownAnswers()
    {
        Assert.Equal("00", Convert.ToHexStringLower(MailboxWire.Status(MailboxStatus.Ok)));
        Assert.Equal("01", Convert.ToHexStringLower(MailboxWire.Status(MailboxStatus.Exists)));
        Assert.Equal("0203", Convert.ToHexStringLower(MailboxWire.Refused(MailboxRefusal.Quota)));
        var entry = new MailboxEntry(new MailboxItemKey(Alice, "m1"), 1024, DateTimeOffset.FromUnixTimeMilliseconds(1767268800000), DateTimeOffset.FromUnixTimeMilliseconds(1768478400000));
        Assert.Equal("000001" + Alice + "026d31" + "00000400" + "0000019b796dd600" + "0000019bc186de00", Convert.ToHexStringLower(MailboxWire.ListAnswer([entry])));
        Assert.Equal("10" + Alice + "026d31", Convert.ToHexStringLower(MailboxWire.DepositedEvent(new MailboxItemKey(Alice, "m1"))));
    }

    [Fact]
    public void Requests_RoundTrip_AndAnythingElseIsRejected()
    {
        var put = Assert.IsType<PutRequest>(MailboxWire.TryParseRequest(MailboxWire.Put(Alice, "m1", 60, "abc"u8)));
        Assert.Equal((Alice, "m1", 60u, "abc"), (put.Owner, put.Id, put.TtlSeconds, System.Text.Encoding.ASCII.GetString(put.Blob.Span)));
        Assert.Equal([new MailboxItemKey(Alice, "m1")], Assert.IsType<AckRequest>(MailboxWire.TryParseRequest(MailboxWire.Ack([new MailboxItemKey(Alice, "m1")]))).Keys);
        Assert.Null(Assert.IsType<SetDepositorsRequest>(MailboxWire.TryParseRequest(MailboxWire.SetDepositors(null))).Allowed);

        byte[][] bad =
        [
            [], [0x00], [0x08], [0x02], [0x02, 0x00, 0x00], [0x02, 0x04, 0x01], [0x05, 0x00],
            [0x03, .. Alice.ToArray(), 0x00], [0x03, .. Alice.ToArray(), 0x41, 0x61], [0x03, .. Alice.ToArray(), 0x01, 0x20],
            [0x04, 0x00, 0x00], [0x06, 0x00, 0x00, 0x01, .. Alice.ToArray()], [0x06, 0x02, 0x00, 0x00],
        ];
        Assert.All(bad, b => Assert.Null(MailboxWire.TryParseRequest(b)));
    }

    [Fact]
    public void Parser_OnArbitraryBytes_NeverThrows_AndValidRequestsRoundTrip()
    {
        Gen.Byte.Array[0, 300].Sample(bytes => _ = MailboxWire.TryParseRequest(bytes), iter: 20_000);
        // Any prefix of a valid request other than a put (whose blob is the rest) is refused.
        var ack = MailboxWire.Ack([new MailboxItemKey(Alice, "m1"), new MailboxItemKey(Alice, "m2")]);
        Gen.Int[0, ack.Length - 1].Sample(cut => Assert.Null(MailboxWire.TryParseRequest(ack.AsMemory(0, cut))));
        var ids = Gen.Char['!', '~'].Array[1, 64].Select(c => new string(c));
        Gen.Select(ids, Gen.UInt, Gen.Byte.Array[1, 100]).Sample((id, ttl, blob) =>
        {
            var put = Assert.IsType<PutRequest>(MailboxWire.TryParseRequest(MailboxWire.Put(Alice, id, ttl, blob)));
            Assert.Equal((id, ttl), (put.Id, put.TtlSeconds));
            Assert.Equal(blob, put.Blob.ToArray());
        });
    }

    [Fact]
    public void Padding_KnownAnswerAndSizes()
    {
        var padded = MailboxPadding.Pad("hi"u8);
        Assert.Equal(1024, padded.Length);
        Assert.Equal("000000026869", Convert.ToHexStringLower(padded.AsSpan(0, 6)));
        Assert.True(padded.AsSpan(6).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(MailboxPadding.TryUnpad(padded, out var payload));
        Assert.Equal("hi"u8.ToArray(), payload.ToArray());

        Assert.Equal(1024, MailboxPadding.Pad(new byte[1020]).Length);
        Assert.Equal(4096, MailboxPadding.Pad(new byte[1021]).Length);
        Assert.Equal(1 << 20, MailboxPadding.Pad(new byte[MailboxPadding.MaxPayload]).Length);
        Assert.Throws<ArgumentException>(() => MailboxPadding.Pad(new byte[MailboxPadding.MaxPayload + 1]));

        var tampered = (byte[])padded.Clone();
        tampered[^1] = 1;
        Assert.False(MailboxPadding.TryUnpad(tampered, out _));
        Assert.False(MailboxPadding.TryUnpad(padded.AsMemory(0, 1000), out _));
        var lying = (byte[])padded.Clone();
        lying[0] = 0x7f;
        Assert.False(MailboxPadding.TryUnpad(lying, out _));
    }

    [Fact]
    public void Ticket_WithMailbox_GoldenBytes_AndRoundTrip()
    {
        var mailbox = new EndpointAddr(new EndpointId(Enumerable.Repeat((byte)0x11, 32).ToArray()), [new IPEndPoint(IPAddress.Parse("10.0.0.1"), 4434)]);
        var addr = new EndpointAddr(Alice, [new IPEndPoint(IPAddress.Loopback, 4433), new IPEndPoint(IPAddress.IPv6Loopback, 5555)], new Uri("https://relay.example/"))
        {
            Mailbox = mailbox,
        };
        const string Expected = "irohsocialaib2cb576phbbpq5odorrz2lycmwpzgwgcn2kdk7dxoimzaskuy3qaqep4aaaairkedaaaaaaaaaaaaaaaaaaaaaaaaacfntaeabm2duoryhgorpf5zgk3dbpexgk6dbnvygyzjpaeacseirceirceirceirceirceirceirceirceirceirceirceirceiraecauaaaaeiveaahhlrca";
        Assert.Equal(Expected, addr.ToTicket());
        var parsed = EndpointAddr.ParseTicket(Expected, out var warning);
        Assert.Equal(TicketWarning.None, warning);
        Assert.Equal(addr, parsed);
        Assert.Equal(mailbox, parsed.Mailbox);
        Assert.NotEqual(addr with { Mailbox = null }, parsed);
    }

    [Fact]
    public void Ticket_WithoutMailbox_IsUnchanged_AndOldTicketsStillParse()
    {
        // The golden ticket of docs/protocol.md 4.3 (made before the mailbox field existed), and its version 1 form.
        const string V2 = "irohsocialaib2cb576phbbpq5odorrz2lycmwpzgwgcn2kdk7dxoimzaskuy3qaqep4aaaairkedaaaaaaaaaaaaaaaaaaaaaaaaacfntaeabm2duoryhgorpf5zgk3dbpexgk6dbnvygyzjptbiewvy";
        const string V1 = "irohsocialaeb2cb576phbbpq5odorrz2lycmwpzgwgcn2kdk7dxoimzaskuy3qaqep4aaaairkedaaaaaaaaaaaaaaaaaaaaaaaaacfntaeabm2duoryhgorpf5zgk3dbpexgk6dbnvygyzjp";
        var addr = EndpointAddr.ParseTicket(V2);
        Assert.Null(addr.Mailbox);
        Assert.Equal(V2, addr.ToTicket());
        Assert.Equal(addr, EndpointAddr.ParseTicket(V1, out var warning));
        Assert.Equal(TicketWarning.NoChecksum, warning);
    }

    [Fact]
    public void Ticket_MailboxField_Malformed_IsRejected_UnknownFieldsAreSkipped()
    {
        var baseAddr = new EndpointAddr(Alice, [new IPEndPoint(IPAddress.Loopback, 4433)]);
        var body = TicketCodecAccess.Body(baseAddr);

        // An unknown optional field (tag 0x7f) is skipped: later versions can add fields.
        Assert.True(TicketCodecAccess.TryDecode([.. body, 0x7f, 0x00, 0x02, 0xaa, 0xbb], out var skipped));
        Assert.Equal(baseAddr, skipped);
        // A truncated mailbox, a mailbox with trailing bytes, fields out of order or a cut field header fail.
        Assert.False(TicketCodecAccess.TryDecode([.. body, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5], out _));
        byte[] nested = [.. Enumerable.Repeat((byte)0x22, 32), 0x00, 0x00, 0xff];
        Assert.False(TicketCodecAccess.TryDecode([.. body, 0x01, 0x00, (byte)nested.Length, .. nested], out _));
        Assert.False(TicketCodecAccess.TryDecode([.. body, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x00], out _));
        Assert.False(TicketCodecAccess.TryDecode([.. body, 0x01, 0x00], out _));
        // A mailbox cannot name a mailbox of its own.
        Assert.Throws<ArgumentException>(() => baseAddr with { Mailbox = baseAddr with { Mailbox = baseAddr } });
    }
}
