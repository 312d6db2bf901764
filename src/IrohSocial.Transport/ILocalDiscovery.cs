using System.Net;
using IrohSocial.Crypto;

namespace IrohSocial.Transport;

/// <summary>
/// Finds peers on the local network (for example over mDNS). A hit only yields dial candidates: the TLS handshake
/// still proves who answers, so a wrong or forged hit costs a failed dial, never a wrong peer. Browsing runs whenever
/// an endpoint has a discovery (<see cref="EndpointOptions.LocalDiscovery"/>); announcing this endpoint reveals its
/// presence on the LAN and is opt-in (<see cref="EndpointOptions.AnnounceOnLocalNetwork"/>).
/// </summary>
public interface ILocalDiscovery : IAsyncDisposable
{
    /// <summary>Starts browsing, and announces <paramref name="self"/> when <paramref name="announce"/> is true. Called once by the endpoint.</summary>
    ValueTask StartAsync(EndpointAddr self, bool announce, CancellationToken cancellationToken = default);

    /// <summary>
    /// Called by the endpoint after the network changed (<see cref="Endpoint.NetworkChanged"/>), with its refreshed
    /// address: re-announce <paramref name="self"/> at once when announcing (peers would otherwise keep the old addresses
    /// until the next periodic announcement), and pick up interfaces that came or went. Does nothing before start.
    /// </summary>
    ValueTask RenewAsync(EndpointAddr self, CancellationToken cancellationToken = default);

    /// <summary>The addresses a peer was seen at on the LAN within <paramref name="maxAge"/>, or null.</summary>
    LocalPeer? Find(EndpointId id, TimeSpan maxAge);
}

/// <summary>A peer seen on the local network.</summary>
/// <param name="Id">The id it announced (unproven until a TLS handshake).</param>
/// <param name="Addresses">Where it said it listens.</param>
/// <param name="SeenAt">When it was last seen.</param>
public sealed record LocalPeer(EndpointId Id, IReadOnlyList<IPEndPoint> Addresses, DateTimeOffset SeenAt);
