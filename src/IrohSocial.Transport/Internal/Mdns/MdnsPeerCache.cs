using System.Net;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Mdns;

/// <summary>
/// Peers heard on the LAN, bounded: at most <c>capacity</c> entries (a full cache drops the one that expires first, so a
/// flood of made-up ids cannot grow memory), each kept until its records' TTL runs out on the given clock.
/// </summary>
internal sealed class MdnsPeerCache(int capacity, TimeSpan maxTtl, TimeProvider time)
{
    private readonly Dictionary<EndpointId, (LocalPeer Peer, DateTimeOffset ExpiresAt)> _peers = [];
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _peers.Count;
            }
        }
    }

    /// <summary>
    /// Records an announcement heard from <paramref name="source"/>: the source address with the announced port goes
    /// first (it just reached us on this link), then the announced addresses. A zero TTL (a goodbye) removes the peer.
    /// </summary>
    public void Apply(MdnsAnnouncement announcement, IPAddress source)
    {
        lock (_gate)
        {
            if (announcement.Ttl <= TimeSpan.Zero)
            {
                _peers.Remove(announcement.Id);
                return;
            }

            var addresses = new List<IPEndPoint>(MdnsCodec.MaxAddresses);
            if (announcement.Port != 0 && MdnsCodec.IsDialable(source))
            {
                addresses.Add(new IPEndPoint(source, announcement.Port));
            }

            addresses.AddRange(announcement.Addresses.Where(a => !addresses.Contains(a)).Take(MdnsCodec.MaxAddresses - addresses.Count));
            if (addresses.Count == 0)
            {
                return;
            }

            var now = time.GetUtcNow();
            var ttl = announcement.Ttl < maxTtl ? announcement.Ttl : maxTtl;
            RemoveExpired(now);
            if (!_peers.ContainsKey(announcement.Id) && _peers.Count >= capacity)
            {
                _peers.Remove(_peers.MinBy(p => p.Value.ExpiresAt).Key);
            }

            _peers[announcement.Id] = (new LocalPeer(announcement.Id, addresses, now), now + ttl);
        }
    }

    /// <summary>The peer if it was seen within <paramref name="maxAge"/> and its records have not expired.</summary>
    public LocalPeer? Find(EndpointId id, TimeSpan maxAge)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _peers.TryGetValue(id, out var entry) && entry.ExpiresAt > now && now - entry.Peer.SeenAt <= maxAge ? entry.Peer : null;
        }
    }

    /// <summary>Every peer seen within <paramref name="maxAge"/> whose records have not expired, most recent first.</summary>
    public IReadOnlyList<LocalPeer> Snapshot(TimeSpan maxAge)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _peers.Values.Where(e => e.ExpiresAt > now && now - e.Peer.SeenAt <= maxAge).Select(e => e.Peer).OrderByDescending(p => p.SeenAt).ToArray();
        }
    }

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var (id, entry) in _peers)
        {
            if (entry.ExpiresAt <= now)
            {
                _peers.Remove(id);
            }
        }
    }
}
