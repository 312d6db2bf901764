using System.Net;

namespace IrohSocial.Transport;

/// <summary>
/// The host's network as an endpoint sees it: the socket addresses that reach a listener, and when they may have
/// changed (an address gained or lost, a link up or down, a Wi-Fi to cellular switch). On every change the endpoint
/// refreshes <see cref="Endpoint.Addr"/>, registers on its relays again at once and raises
/// <see cref="Endpoint.NetworkChanged"/> (calls restore their legs, DM connections are redialled). The default,
/// <see cref="SystemNetworkMonitor"/>, watches the operating system; an app that knows more (a VPN, a port mapping) or
/// a test passes its own in <see cref="EndpointOptions.NetworkMonitor"/>.
/// </summary>
public interface INetworkMonitor
{
    /// <summary>Raised, on any thread, after the network may have changed (a burst of OS notifications is raised once).</summary>
    event EventHandler? Changed;

    /// <summary>The socket addresses peers can dial to reach a listener bound at <paramref name="localEndPoint"/>, best first.</summary>
    IReadOnlyList<IPEndPoint> GetDirectAddresses(IPEndPoint localEndPoint);
}
