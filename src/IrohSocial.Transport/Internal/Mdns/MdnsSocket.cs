using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace IrohSocial.Transport.Internal.Mdns;

/// <summary>A network interface mDNS runs on.</summary>
internal sealed record MdnsInterface(string Name, int Index, IPAddress Address);

/// <summary>
/// The multicast socket of local discovery (IPv4, 224.0.0.251). Written by hand over <see cref="Socket"/>: it is a
/// few socket options (SO_REUSEADDR so several processes and the system's mDNS responder share port 5353, one group
/// membership per interface, multicast loopback so processes on one host see each other, IP_PKTINFO to know the
/// arrival interface), which no maintained .NET package here offers apart from the DNS format (Makaretu.Dns.Multicast
/// 0.27.0 does not load against the IPNetwork2 served here).
/// </summary>
internal sealed class MdnsSocket : IDisposable
{
    public static readonly IPAddress Group = IPAddress.Parse("224.0.0.251");

    private readonly Socket _socket;
    private readonly IPEndPoint _groupEndPoint;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    private MdnsSocket(Socket socket, IReadOnlyList<MdnsInterface> interfaces, int port)
    {
        _socket = socket;
        Interfaces = interfaces;
        _groupEndPoint = new IPEndPoint(Group, port);
    }

    public IReadOnlyList<MdnsInterface> Interfaces { get; }

    /// <summary>
    /// Interfaces that can carry mDNS: up, multicast-capable, not loopback, with an IPv4 address; only those named in
    /// <paramref name="names"/> when it is not empty. Empty where interfaces cannot be listed.
    /// </summary>
    public static IReadOnlyList<MdnsInterface> SelectInterfaces(IReadOnlyCollection<string> names)
    {
        var result = new List<MdnsInterface>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown) || !nic.SupportsMulticast
                    || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback || (names.Count > 0 && !names.Contains(nic.Name))
                    || !nic.Supports(NetworkInterfaceComponent.IPv4))
                {
                    continue;
                }

                var properties = nic.GetIPProperties();
                var address = properties.UnicastAddresses.Select(u => u.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
                if (address is not null)
                {
                    result.Add(new MdnsInterface(nic.Name, properties.GetIPv4Properties().Index, address));
                }
            }
        }
        catch (Exception ex) when (ex is NetworkInformationException or SocketException or PlatformNotSupportedException or InvalidOperationException)
        {
            // some sandboxes forbid listing interfaces: no mDNS there
        }

        return result;
    }

    /// <summary>Binds the port (shared) and joins the group on each interface.</summary>
    /// <exception cref="SocketException">The socket could not be set up.</exception>
    public static MdnsSocket Open(IReadOnlyList<MdnsInterface> interfaces, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255); // RFC 6762 section 11
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            foreach (var nic in interfaces)
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(Group, nic.Index));
            }

            return new MdnsSocket(socket, interfaces, port);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="packet"/> to the group on every interface (or only <paramref name="only"/>).</summary>
    public async Task SendAsync(byte[] packet, int? only, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var nic in Interfaces)
            {
                if (only is { } index && index != nic.Index)
                {
                    continue;
                }

                // IP_MULTICAST_IF takes the interface index in network order; the lock keeps it paired with its send.
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.HostToNetworkOrder(nic.Index));
                await _socket.SendToAsync(packet, SocketFlags.None, _groupEndPoint, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Receives one packet: its length, sender and arrival interface (null when it came in on one we do not use).</summary>
    public async Task<(int Length, IPAddress Source, int? Interface)> ReceiveAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var result = await _socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken).ConfigureAwait(false);
        var index = result.PacketInformation.Interface;
        var ours = Interfaces.Any(i => i.Index == index) ? index : (int?)null;
        return (result.ReceivedBytes, ((IPEndPoint)result.RemoteEndPoint).Address, ours);
    }

    public void Dispose()
    {
        _socket.Dispose();
        _sendLock.Dispose();
    }
}
