using System.Net;
using IrohSocial.Testing;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Transport.Tests;

/// <summary>The network-change seam: the OS monitor's debounce, and what an endpoint does on a change.</summary>
public sealed class NetworkMonitorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void SystemMonitor_BurstOfOsNotifications_IsRaisedOnceAfterTheQuietTime()
    {
        var time = new FakeTimeProvider();
        using var monitor = new SystemNetworkMonitor(TimeSpan.FromMilliseconds(500), time, EveryReadDiffers());
        var raised = 0;
        monitor.Changed += (_, _) => Interlocked.Increment(ref raised);

        // An interface going down and another coming up: a few notifications 100 ms apart.
        for (var i = 0; i < 4; i++)
        {
            monitor.OnOsNotification();
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(0, raised);
        time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.Equal(0, raised);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, raised);

        // Quiet afterwards: nothing more; a later notification is a new change.
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, raised);
        monitor.OnOsNotification();
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, raised);
    }

    [Fact]
    public void SystemMonitor_NotificationsThatNeverStop_AreRaisedByFourTimesTheQuietTime()
    {
        var time = new FakeTimeProvider();
        using var monitor = new SystemNetworkMonitor(TimeSpan.FromMilliseconds(500), time, EveryReadDiffers());
        var raised = 0;
        monitor.Changed += (_, _) => Interlocked.Increment(ref raised);

        for (var elapsed = 0; elapsed < 2000; elapsed += 100)
        {
            monitor.OnOsNotification();
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(1, raised);
    }

    [Fact]
    public void SystemMonitor_DisposedWhileABurstWaits_RaisesNothing()
    {
        var time = new FakeTimeProvider();
        var monitor = new SystemNetworkMonitor(TimeSpan.FromMilliseconds(500), time, EveryReadDiffers());
        var raised = 0;
        monitor.Changed += (_, _) => raised++;
        monitor.OnOsNotification();
        monitor.Dispose();
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, raised);
    }

    [Fact]
    public void SystemMonitor_NotificationsThatChangeNoInterface_RaiseNothing()
    {
        // Busy hosts report notifications that touch no address of theirs; each raised change would restore every
        // active call's leg, so only a change of the interfaces' state counts.
        var time = new FakeTimeProvider();
        var state = "eth0=192.0.2.1";
        using var monitor = new SystemNetworkMonitor(TimeSpan.FromMilliseconds(500), time, () => state);
        var raised = 0;
        monitor.Changed += (_, _) => raised++;

        monitor.OnOsNotification();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, raised);

        state = "wlan0=198.51.100.4";
        monitor.OnOsNotification();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, raised);

        monitor.OnOsNotification();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, raised);
    }

    /// <summary>An interface state that differs at every read: every burst is a change.</summary>
    private static Func<string> EveryReadDiffers()
    {
        var reads = 0;
        return () => Interlocked.Increment(ref reads).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Endpoint_NetworkChange_RefreshesItsAddress_AndRaisesNetworkChanged()
    {
        var network = new ManualNetworkMonitor();
        await using var endpoint = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { NetworkMonitor = network });
        Assert.Equal([endpoint.LocalEndPoint], endpoint.Addr.DirectAddresses);
        var changed = new TaskCompletionSource<NetworkChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        endpoint.NetworkChanged += (_, e) => changed.TrySetResult(e);

        var moved = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 4433);
        network.Change(moved);

        var args = await changed.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(args.AddressChanged);
        Assert.Equal([moved], args.Addr.DirectAddresses);
        Assert.Equal([moved], endpoint.Addr.DirectAddresses);
        Assert.Equal(endpoint.Id, endpoint.Addr.Id);
    }

    [Fact]
    public async Task Endpoint_ChangeWithTheSameAddresses_SaysTheAddressDidNotChange()
    {
        var network = new ManualNetworkMonitor();
        await using var endpoint = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { NetworkMonitor = network });
        var before = endpoint.Addr;
        var changed = new TaskCompletionSource<NetworkChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        endpoint.NetworkChanged += (_, e) => changed.TrySetResult(e);

        network.Change();

        Assert.False((await changed.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct)).AddressChanged);
        Assert.Same(before, endpoint.Addr);
    }

    [Fact]
    public async Task Endpoint_NetworkChange_AnnouncesTheNewAddressOnTheLocalNetworkAtOnce()
    {
        // The in-memory LAN has no periodic re-announcement at all: only the change can carry the new address.
        var lan = new InMemoryLocalNetwork();
        var network = new ManualNetworkMonitor();
        await using var discovery = lan.CreateDiscovery();
        await using var observer = lan.CreateDiscovery();
        await using var endpoint = await TestEndpoints.BindAsync(
            TransportProvider.TcpTls, o => o with { NetworkMonitor = network, LocalDiscovery = discovery, AnnounceOnLocalNetwork = true });
        Assert.Equal([endpoint.LocalEndPoint], observer.Find(endpoint.Id, TimeSpan.FromMinutes(1))!.Addresses);

        var moved = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 4433);
        network.Change(moved);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (observer.Find(endpoint.Id, TimeSpan.FromMinutes(1)) is not { } seen || !seen.Addresses.SequenceEqual([moved]))
        {
            Assert.True(DateTime.UtcNow < deadline, "the new address was not announced");
            await Task.Delay(20, Ct);
        }
    }

    [Fact]
    public async Task Endpoint_NetworkChange_DoesNotAnnounceAnEndpointThatDoesNotAnnounce()
    {
        var lan = new InMemoryLocalNetwork();
        var network = new ManualNetworkMonitor();
        await using var discovery = lan.CreateDiscovery();
        await using var observer = lan.CreateDiscovery();
        await using var endpoint = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { NetworkMonitor = network, LocalDiscovery = discovery });
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        endpoint.NetworkChanged += (_, _) => changed.TrySetResult();

        network.Change(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 4433));
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await discovery.RenewAsync(endpoint.Addr, Ct); // as the endpoint did: still nothing to see

        Assert.Null(observer.Find(endpoint.Id, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Endpoint_AfterDispose_IgnoresChanges()
    {
        var network = new ManualNetworkMonitor();
        var endpoint = await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { NetworkMonitor = network });
        var raised = false;
        endpoint.NetworkChanged += (_, _) => raised = true;
        await endpoint.DisposeAsync();
        network.Change(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 4433));
        endpoint.HandleNetworkChange();
        Assert.False(raised);
    }
}
