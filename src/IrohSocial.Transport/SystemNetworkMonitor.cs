using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using IrohSocial.Transport.Internal;

namespace IrohSocial.Transport;

/// <summary>
/// The default <see cref="INetworkMonitor"/>: the operating system's <see cref="NetworkChange.NetworkAddressChanged"/>
/// and <see cref="NetworkChange.NetworkAvailabilityChanged"/> notifications, debounced (an interface going down and a
/// new one coming up arrive as a burst of notifications and are raised as one change), and the addresses of the
/// interfaces that are up. A burst is raised only when the interfaces' state (which are up, with which addresses)
/// differs from the last one seen: busy hosts report notifications for changes that touch no address of theirs
/// (containers, VPN routes), and each raised change costs every active call a leg restore. Where the platform cannot
/// report changes (some sandboxes), it never raises <see cref="Changed"/>; dead paths are still found by the layers
/// above (calls watch their media).
/// </summary>
public sealed class SystemNetworkMonitor : INetworkMonitor, IDisposable
{
    /// <summary>Default quiet time before a burst of OS notifications is raised as one change.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(500);

    private readonly Debouncer _debouncer;
    private readonly Func<string> _interfaceState;
    private readonly bool _subscribed;
    private string _lastState;
    private int _disposed;

    /// <summary>Watches the OS with <see cref="DefaultDebounce"/>.</summary>
    public SystemNetworkMonitor()
        : this(DefaultDebounce, TimeProvider.System)
    {
    }

    /// <summary>Watches the OS; a burst of notifications is raised once it has been quiet for <paramref name="debounce"/> (at most four times that after its start).</summary>
    public SystemNetworkMonitor(TimeSpan debounce, TimeProvider timeProvider)
        : this(debounce, timeProvider, InterfaceState)
    {
    }

    /// <summary>Tests: <paramref name="interfaceState"/> stands in for reading the interfaces.</summary>
    internal SystemNetworkMonitor(TimeSpan debounce, TimeProvider timeProvider, Func<string> interfaceState)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(debounce, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _interfaceState = interfaceState;
        _lastState = interfaceState();
        _debouncer = new Debouncer(debounce, debounce * 4, timeProvider, RaiseIfInterfacesChanged);
        try
        {
            NetworkChange.NetworkAddressChanged += OnAddressChanged;
            NetworkChange.NetworkAvailabilityChanged += OnAvailabilityChanged;
            _subscribed = true;
        }
        catch (Exception ex) when (ex is NetworkInformationException or PlatformNotSupportedException or SocketException)
        {
            // No change notifications here: the monitor stays quiet.
        }
    }

    /// <inheritdoc />
    public event EventHandler? Changed;

    /// <summary>
    /// A listener bound to one address is reached there; a wildcard bind is reached on every address of its family on an
    /// interface that is up (link-local IPv6 left out, useless to a remote peer), non-loopback first, loopback when the
    /// interfaces cannot be listed.
    /// </summary>
    public IReadOnlyList<IPEndPoint> GetDirectAddresses(IPEndPoint localEndPoint)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        return DialableAddresses(localEndPoint);
    }

    private void RaiseIfInterfacesChanged()
    {
        var state = _interfaceState();
        if (Interlocked.Exchange(ref _lastState, state) != state)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }
    }

    /// <summary>
    /// Which interfaces are up, with which addresses, as one comparable string. Where the interfaces cannot be listed,
    /// a fresh value each time: every notification then counts as a change.
    /// </summary>
    private static string InterfaceState()
    {
        try
        {
            return string.Join('\n', NetworkInterface.GetAllNetworkInterfaces()
                .Where(nic => nic.OperationalStatus == OperationalStatus.Up)
                .Select(nic => nic.Id + "=" + string.Join(',', nic.GetIPProperties().UnicastAddresses.Select(a => a.Address.ToString()).Order(StringComparer.Ordinal)))
                .Order(StringComparer.Ordinal));
        }
        catch (Exception ex) when (ex is NetworkInformationException or SocketException or PlatformNotSupportedException)
        {
            return Guid.NewGuid().ToString();
        }
    }

    /// <summary>One OS notification (tests call it to stand in for the OS).</summary>
    internal void OnOsNotification() => _debouncer.Signal();

    private void OnAddressChanged(object? sender, EventArgs e) => OnOsNotification();

    private void OnAvailabilityChanged(object? sender, NetworkAvailabilityEventArgs e) => OnOsNotification();

    /// <summary>Stops watching.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_subscribed)
        {
            NetworkChange.NetworkAddressChanged -= OnAddressChanged;
            NetworkChange.NetworkAvailabilityChanged -= OnAvailabilityChanged;
        }

        _debouncer.Dispose();
    }

    internal static IPEndPoint[] DialableAddresses(IPEndPoint local)
    {
        if (!local.Address.Equals(IPAddress.Any) && !local.Address.Equals(IPAddress.IPv6Any))
        {
            return [local];
        }

        var families = local.Address.Equals(IPAddress.Any)
            ? new[] { AddressFamily.InterNetwork }
            : new[] { AddressFamily.InterNetworkV6, AddressFamily.InterNetwork };
        var result = new List<IPEndPoint>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up)
                {
                    continue;
                }

                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    var ip = unicast.Address;
                    // ScopeId throws for IPv4; a scoped IPv6 address (link-local) is useless to a remote peer
                    if (families.Contains(ip.AddressFamily) && (ip.AddressFamily == AddressFamily.InterNetwork || (!ip.IsIPv6LinkLocal && ip.ScopeId == 0)))
                    {
                        result.Add(new IPEndPoint(ip, local.Port));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is NetworkInformationException or SocketException or PlatformNotSupportedException)
        {
            // some sandboxes forbid interface enumeration; fall back to loopback below
        }

        if (result.Count == 0)
        {
            result.Add(new IPEndPoint(local.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, local.Port));
        }

        // Non-loopback first: a ticket is usually for another machine.
        return result.OrderBy(e => IPAddress.IsLoopback(e.Address) ? 1 : 0).Take(TicketCodec.MaxAddresses).ToArray();
    }
}
