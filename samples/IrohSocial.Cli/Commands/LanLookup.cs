using IrohSocial.Transport;

namespace IrohSocial.Cli.Commands;

/// <summary>Finding a peer on the LAN (mDNS) when no address is known for it.</summary>
internal static class LanLookup
{
    /// <summary>How long a command waits for a peer to answer on the LAN.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <paramref name="peer"/> with an address: the one known, else where it answered on the LAN (asking again every
    /// second for up to <see cref="Wait"/>); the TLS handshake still proves it is that id.
    /// </summary>
    /// <exception cref="CliException">No address is known and the peer did not answer on the LAN.</exception>
    public static async Task<ResolvedPeer> RequireAddressAsync(ResolvedPeer peer, CliNode node, CancellationToken cancellationToken)
    {
        if (peer.Address is not null)
        {
            return peer;
        }

        if (node.Node?.LocalDiscovery is MdnsLocalDiscovery mdns && mdns.Interfaces.Count > 0)
        {
            var deadline = DateTime.UtcNow + Wait;
            while (DateTime.UtcNow < deadline)
            {
                if (mdns.Find(peer.Id, TimeSpan.FromMinutes(2)) is { } hit)
                {
                    return peer with { Address = new EndpointAddr(peer.Id, hit.Addresses) };
                }

                await mdns.QueryAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }

        throw new CliException($"no address is known for {peer.Display}, and it did not answer on the LAN; use its ticket, or `irohsocial contacts add NAME TICKET`.");
    }
}
