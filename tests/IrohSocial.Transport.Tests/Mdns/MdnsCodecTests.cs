using System.Net;
using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal.Mdns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace IrohSocial.Transport.Tests.Mdns;

/// <summary>The DNS-SD messages of local discovery, and what a discovery does with packets anyone on the LAN can send.</summary>
public sealed class MdnsCodecTests
{
    private static readonly EndpointId Id = EndpointId.Parse("8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394");
    private static readonly IPAddress Source = IPAddress.Parse("192.0.2.50");

    private static byte[] AnnouncementOf(EndpointId id, TimeSpan? ttl = null) =>
        MdnsCodec.Announcement("a1b2c3d4e5f6", id, 4433, [IPEndPoint.Parse("192.0.2.7:4433"), IPEndPoint.Parse("[2001:db8::1]:4433")], ttl ?? TimeSpan.FromMinutes(2));

    [Fact]
    public void Announcement_ReadsBack_IdPortAddressesAndTtl()
    {
        var packet = MdnsCodec.TryParse(AnnouncementOf(Id), out var error);
        Assert.Null(error);
        var announcement = Assert.Single(packet!.Announcements);
        Assert.Equal(Id, announcement.Id);
        Assert.Equal(4433, announcement.Port);
        Assert.Equal([IPEndPoint.Parse("192.0.2.7:4433"), IPEndPoint.Parse("[2001:db8::1]:4433")], announcement.Addresses);
        Assert.Equal(TimeSpan.FromMinutes(2), announcement.Ttl);
        Assert.False(packet.AsksForService);
    }

    [Fact]
    public void Query_AsksForTheService_CarriesItsId_AndNoAnnouncement()
    {
        var packet = MdnsCodec.TryParse(MdnsCodec.Query(0xBEEF), out _);
        Assert.True(packet!.AsksForService);
        Assert.Equal(0xBEEF, packet.QueryId);
        Assert.Empty(packet.Announcements);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(MdnsCodec.MaxPacketSize + 1)]
    public void Packet_OfABadSize_IsRefusedBeforeParsing(int size) => Assert.Null(MdnsCodec.TryParse(new byte[size], out _));

    [Fact]
    public void Packet_ClaimingTooManyRecords_IsRefused()
    {
        var packet = AnnouncementOf(Id);
        packet[6] = 0x01; // answer count 256+
        Assert.Null(MdnsCodec.TryParse(packet, out var error));
        Assert.Contains("records", error);
    }

    [Fact]
    public void NameCompressionLoop_IsMalformed_NotAHang()
    {
        byte[] loop = [0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 12, 0, 1];
        Assert.Null(MdnsCodec.TryParse(loop, out _));
    }

    [Fact]
    public void TxtRecord_WithoutVersionOrWithABadId_IsNoAnnouncement()
    {
        var message = new Makaretu.Dns.Message { QR = true };
        var txt = new Makaretu.Dns.TXTRecord { Name = "x." + MdnsCodec.ServiceType };
        txt.Strings.Add("id=" + Id);
        message.Answers.Add(txt);
        Assert.Empty(MdnsCodec.TryParse(message.ToByteArray(), out _)!.Announcements);
        txt.Strings.Clear();
        txt.Strings.Add("v=1");
        txt.Strings.Add("id=nothex");
        Assert.Empty(MdnsCodec.TryParse(message.ToByteArray(), out _)!.Announcements);
    }

    [Fact]
    public void Parse_OfRandomBytes_NeverThrows() =>
        Gen.Byte.Array[0, 600].Sample(bytes => { MdnsCodec.TryParse(bytes, out _); }, iter: 20_000);

    [Fact]
    public void Handle_OfMutatedAnnouncements_NeverThrows_AndTheCacheStaysBounded()
    {
        var valid = AnnouncementOf(Id);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var discovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { MaxPeers = 8, TimeProvider = time });
        Gen.Select(Gen.Int[0, valid.Length - 1].Array[1, 8], Gen.Byte.Array[8]).Sample((positions, values) =>
        {
            var packet = (byte[])valid.Clone();
            for (var i = 0; i < positions.Length; i++)
            {
                packet[positions[i]] = values[i];
            }

            discovery.Handle(packet, Source, 1);
            Assert.True(discovery.CachedPeers <= 8);
        }, iter: 20_000);
    }

    [Fact]
    public void Handle_ManyIds_KeepsAtMostMaxPeers()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var discovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { MaxPeers = 4, TimeProvider = time });
        var ids = Enumerable.Range(0, 10).Select(_ => SecretKey.Generate().PublicKey).ToArray();
        foreach (var id in ids)
        {
            discovery.Handle(AnnouncementOf(id), Source, 1);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(4, discovery.CachedPeers);
        Assert.NotNull(discovery.Find(ids[^1], TimeSpan.FromMinutes(2)));
        Assert.Null(discovery.Find(ids[0], TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Hit_PutsTheSourceFirst_ExpiresWithItsTtl_AndAGoodbyeRemovesIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var discovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { TimeProvider = time });
        discovery.Handle(AnnouncementOf(Id, TimeSpan.FromSeconds(30)), Source, 1);
        var peer = discovery.Find(Id, TimeSpan.FromMinutes(2))!;
        Assert.Equal([new IPEndPoint(Source, 4433), IPEndPoint.Parse("192.0.2.7:4433"), IPEndPoint.Parse("[2001:db8::1]:4433")], peer.Addresses);

        // Older than the caller's limit, then past its TTL.
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(discovery.Find(Id, TimeSpan.FromSeconds(10)));
        Assert.NotNull(discovery.Find(Id, TimeSpan.FromMinutes(2)));
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Null(discovery.Find(Id, TimeSpan.FromMinutes(2)));

        discovery.Handle(AnnouncementOf(Id), Source, 1);
        Assert.NotNull(discovery.Find(Id, TimeSpan.FromMinutes(2)));
        discovery.Handle(AnnouncementOf(Id, TimeSpan.Zero), Source, 1);
        Assert.Null(discovery.Find(Id, TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void MalformedPacket_IsLogged_AndIgnored()
    {
        var log = new ListLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(log));
        var discovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { LoggerFactory = loggers });
        discovery.Handle([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], Source, 1);
        Assert.Contains(log.Lines, l => l.Id.Id == 3082 && l.Text.Contains("192.0.2.50"));
        Assert.Equal(0, discovery.CachedPeers);
    }
}
