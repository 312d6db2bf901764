using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using IrohSocial.Crypto;
using Makaretu.Dns;

namespace IrohSocial.Transport.Internal.Mdns;

/// <summary>One peer's announcement read from an mDNS packet (docs/protocol.md section 13).</summary>
/// <param name="Id">The endpoint id from the TXT record (unproven until a TLS handshake).</param>
/// <param name="Port">The port from the SRV record (0 when absent).</param>
/// <param name="Addresses">The <c>a=</c> addresses from the TXT record, in order.</param>
/// <param name="Ttl">How long the records stay valid; zero is a goodbye.</param>
internal sealed record MdnsAnnouncement(EndpointId Id, int Port, IReadOnlyList<IPEndPoint> Addresses, TimeSpan Ttl);

/// <summary>What one packet says: whether it asks for our service (and the query's id), and the announcements it carries.</summary>
internal sealed record MdnsPacket(bool AsksForService, ushort QueryId, IReadOnlyList<MdnsAnnouncement> Announcements);

/// <summary>
/// Builds and reads the DNS-SD messages of local discovery. The DNS wire format (names, compression, record types) is
/// Makaretu.Dns's, a small, widely used DNS message model: hand-written DNS parsing is where name-compression loops and
/// length confusions hide. What is ours is the bounds around it: the packet size, the record count and the TXT content
/// are checked here, and any exception the library throws on a malformed packet becomes "ignored", never a crash.
/// </summary>
internal static class MdnsCodec
{
    /// <summary>The DNS-SD service type of IrohSocial endpoints.</summary>
    public const string ServiceType = "_irohsocial._udp.local";

    /// <summary>Largest packet read or written (RFC 6762 section 17: at most 9000 bytes over multicast).</summary>
    public const int MaxPacketSize = 9000;

    /// <summary>Most records (all sections) in a packet we parse; more is not a packet of ours worth reading.</summary>
    public const int MaxRecordsPerPacket = 64;

    /// <summary>Most <c>a=</c> addresses read from one announcement (a ticket holds no more).</summary>
    public const int MaxAddresses = 16;

    /// <summary>Version of the TXT record layout (<c>v=1</c>); a record of another version is ignored.</summary>
    public const string TxtVersion = "1";

    private const ushort CacheFlush = 0x8000;

    /// <summary>
    /// A query for the service's instances (PTR, asking for multicast answers). <paramref name="id"/> lets the sender
    /// recognise its own query when multicast loopback hands it back (RFC 6762 section 18.1: the id SHOULD be zero and
    /// responders ignore it, so a non-zero one costs nothing).
    /// </summary>
    public static byte[] Query(ushort id = 0)
    {
        var message = new Message { Id = id };
        message.Questions.Add(new Question { Name = ServiceType, Type = DnsType.PTR, Class = DnsClass.IN });
        return message.ToByteArray();
    }

    /// <summary>
    /// The announcement of one endpoint: PTR service → instance, SRV instance → port, TXT instance → <c>v=1</c>,
    /// <c>id=</c> (64 hex) and one <c>a=ip:port</c> per address. A zero <paramref name="ttl"/> is a goodbye.
    /// </summary>
    public static byte[] Announcement(string instanceTag, EndpointId id, int port, IReadOnlyList<IPEndPoint> addresses, TimeSpan ttl)
    {
        var instance = new DomainName($"{instanceTag}.{ServiceType}");
        var host = new DomainName($"{instanceTag}.local");
        var message = new Message { QR = true, AA = true };
        message.Answers.Add(new PTRRecord { Name = ServiceType, DomainName = instance, TTL = ttl });
        message.Answers.Add(new SRVRecord { Name = instance, Target = host, Port = (ushort)port, TTL = ttl, Class = UniqueClass });
        var txt = new TXTRecord { Name = instance, TTL = ttl, Class = UniqueClass };
        txt.Strings.Add("v=" + TxtVersion);
        txt.Strings.Add("id=" + id.ToString());
        foreach (var address in addresses.Take(MaxAddresses))
        {
            txt.Strings.Add("a=" + address);
        }

        message.Answers.Add(txt);
        return message.ToByteArray();
    }

    // RFC 6762 section 10.2: records only this host owns carry the cache-flush bit.
    private static DnsClass UniqueClass => (DnsClass)((ushort)DnsClass.IN | CacheFlush);

    /// <summary>Reads a packet; null with <paramref name="error"/> when it is malformed or over the bounds. Never throws.</summary>
    public static MdnsPacket? TryParse(ReadOnlySpan<byte> packet, out string? error)
    {
        error = null;
        if (packet.Length is < 12 or > MaxPacketSize)
        {
            error = $"{packet.Length} bytes";
            return null;
        }

        var records = 0;
        for (var section = 0; section < 4; section++)
        {
            records += BinaryPrimitives.ReadUInt16BigEndian(packet[(4 + (2 * section))..]);
        }

        if (records > MaxRecordsPerPacket)
        {
            error = $"{records} records";
            return null;
        }

        try
        {
            var message = new Message();
            message.Read(packet.ToArray());
            var asks = message.Questions.Any(q => q.Name == ServiceType && q.Type is DnsType.PTR or DnsType.ANY);
            return new MdnsPacket(asks, message.Id, message.IsResponse ? ReadAnnouncements(message) : []);
        }
#pragma warning disable CA1031 // a third-party parser on bytes anyone on the LAN can send: whatever it throws means "malformed"
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ex.GetType().Name;
            return null;
        }
    }

    private static List<MdnsAnnouncement> ReadAnnouncements(Message message)
    {
        var all = message.Answers.Concat(message.AdditionalRecords).ToList();
        var result = new List<MdnsAnnouncement>();
        var service = new DomainName(ServiceType);
        foreach (var txt in all.OfType<TXTRecord>())
        {
            // Only instances of our service: <tag>._irohsocial._udp.local.
            if (txt.Name is null || txt.Name.Parent() != service || ReadTxt(txt.Strings) is not var (id, addresses))
            {
                continue;
            }

            var srv = all.OfType<SRVRecord>().FirstOrDefault(r => r.Name == txt.Name);
            if (result.Any(r => r.Id == id))
            {
                continue;
            }

            result.Add(new MdnsAnnouncement(id, srv?.Port ?? 0, addresses, txt.TTL));
        }

        return result;
    }

    /// <summary>The id and addresses of a TXT record of version 1; null when it is not one (no version, no or a bad id).</summary>
    private static (EndpointId Id, List<IPEndPoint> Addresses)? ReadTxt(IEnumerable<string> strings)
    {
        string? version = null;
        EndpointId? id = null;
        var addresses = new List<IPEndPoint>();
        foreach (var entry in strings.Take(MaxAddresses + 8))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = entry[(eq + 1)..];
            switch (entry[..eq])
            {
                case "v":
                    version ??= value;
                    break;
                case "id" when id is null && EndpointId.TryParse(value, out var parsed):
                    id = parsed;
                    break;
                case "a" when addresses.Count < MaxAddresses && IsDialable(value, out var address) && !addresses.Contains(address):
                    addresses.Add(address);
                    break;
            }
        }

        return version == TxtVersion && id is { } found ? (found, addresses) : null;
    }

    /// <summary>A usable peer address: parses, has a port, and is not unspecified, broadcast or multicast.</summary>
    public static bool IsDialable(string text, out IPEndPoint address)
    {
        if (!IPEndPoint.TryParse(text, out var parsed) || parsed.Port == 0)
        {
            address = null!;
            return false;
        }

        address = parsed;
        return IsDialable(parsed.Address);
    }

    /// <summary>Not unspecified, broadcast or multicast.</summary>
    public static bool IsDialable(IPAddress ip) =>
        !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any) && !ip.Equals(IPAddress.Broadcast)
        && !(ip.AddressFamily == AddressFamily.InterNetwork ? (ip.GetAddressBytes()[0] & 0xF0) == 0xE0 : ip.IsIPv6Multicast);
}
