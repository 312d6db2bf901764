using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Tests.Mdns;

/// <summary>
/// Real multicast between two discoveries in this process, as between two processes on one host: both on one end of a
/// veth pair made for the test (the loopback interface carries no multicast here, and no dummy interface driver is
/// loaded), on a port of their own, so no packet reaches another interface or a real mDNS responder. Needs root and
/// <c>ip</c>; skips and says why elsewhere.
/// </summary>
public sealed class MdnsMulticastTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Announced_IsFoundOverMulticast_AndDialedByIdAlone()
    {
        await using var link = await VethLink.CreateOrSkipAsync();
        var options = new MdnsDiscoveryOptions { InterfaceNames = [link.Name], Port = FreeUdpPort() };
        await using var bobDiscovery = new MdnsLocalDiscovery(options);
        await using var aliceDiscovery = new MdnsLocalDiscovery(options);
        using var bobKey = SecretKey.Generate();
        await using var bob = await Endpoint.BindAsync(Options(bobKey, link.Address, bobDiscovery, announce: true), Ct);
        await using var alice = await Endpoint.BindAsync(Options(SecretKey.Generate(), link.Address, aliceDiscovery, announce: false), Ct);
        Assert.Equal([link.Name], aliceDiscovery.Interfaces);

        var hit = await WaitForAsync(() => aliceDiscovery.Find(bob.Id, TimeSpan.FromMinutes(1)));
        Assert.Contains(new IPEndPoint(link.Address, bob.Addr.DirectAddresses[0].Port), hit.Addresses);
        // Alice browses without announcing: Bob never hears of her.
        Assert.Null(bobDiscovery.Find(alice.Id, TimeSpan.FromMinutes(1)));

        // A stale address: the LAN hit goes first, and TLS proves it is Bob.
        var accept = bob.AcceptAsync(Ct).AsTask();
        await using var connection = await alice.ConnectAsync(new EndpointAddr(bob.Id, [new IPEndPoint(IPAddress.Loopback, FreeUdpPort())]), TestEndpoints.TestAlpn, Ct);
        Assert.Equal(bob.Id, connection.RemoteId);
        await using var accepted = await accept;

        // Bob leaves: his goodbye removes him at once.
        await bob.DisposeAsync();
        await bobDiscovery.DisposeAsync();
        await WaitForAsync(() => aliceDiscovery.Find(bob.Id, TimeSpan.FromMinutes(1)) is null ? "gone" : null);
    }

    [Fact]
    public async Task AnnouncerStartedEarlier_AnswersALaterBrowsersQuery()
    {
        await using var link = await VethLink.CreateOrSkipAsync();
        var port = FreeUdpPort();
        // Bob's clock is frozen after his first announcement (made before Alice listens): Alice hears him only by asking.
        var frozen = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var bobDiscovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { InterfaceNames = [link.Name], Port = port, TimeProvider = frozen });
        var bobId = SecretKey.Generate().PublicKey;
        await bobDiscovery.StartAsync(new EndpointAddr(bobId, [new IPEndPoint(link.Address, 4433)]), announce: true, Ct);
        await Task.Delay(500, Ct);

        await using var aliceDiscovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { InterfaceNames = [link.Name], Port = port });
        await aliceDiscovery.StartAsync(new EndpointAddr(SecretKey.Generate().PublicKey, []), announce: false, Ct);
        var hit = await WaitForAsync(() => aliceDiscovery.Find(bobId, TimeSpan.FromMinutes(1)));
        Assert.Contains(new IPEndPoint(link.Address, 4433), hit.Addresses);
    }

    [Fact]
    public async Task AnnouncerNetworkChanges_TheNewAddressIsHeardAtOnce_NotAtTheNextHalfTtl()
    {
        await using var link = await VethLink.CreateOrSkipAsync();
        var port = FreeUdpPort();
        // Bob's clock is frozen: after his first announcement nothing periodic is ever sent, only what the change sends.
        var frozen = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var bobDiscovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { InterfaceNames = [link.Name], Port = port, TimeProvider = frozen });
        await using var aliceDiscovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { InterfaceNames = [link.Name], Port = port });
        await aliceDiscovery.StartAsync(new EndpointAddr(SecretKey.Generate().PublicKey, []), announce: false, Ct);
        var network = new Testing.ManualNetworkMonitor();
        await using var bob = await Endpoint.BindAsync(Options(SecretKey.Generate(), link.Address, bobDiscovery, announce: true) with { NetworkMonitor = network }, Ct);
        var before = await WaitForAsync(() => aliceDiscovery.Find(bob.Id, TimeSpan.FromMinutes(1)));
        Assert.Contains(new IPEndPoint(link.Address, bob.LocalEndPoint.Port), before.Addresses);

        // Bob's network changes: he is now reached at another port (a NAT mapping, say).
        var moved = new IPEndPoint(link.Address, FreeUdpPort());
        network.Change(moved);

        await WaitForAsync(() => aliceDiscovery.Find(bob.Id, TimeSpan.FromMinutes(1)) is { } hit && hit.Addresses.Contains(moved) ? hit : null);
        Assert.Equal([link.Name], bobDiscovery.Interfaces);
    }

    [Fact]
    public async Task NoInterfaceAtStart_OneComesUp_RenewOpensTheSocketAndAnnounces()
    {
        var tag = VethLink.NewTag();
        var port = FreeUdpPort();
        await using var bobDiscovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { InterfaceNames = [VethLink.NameOf(tag)], Port = port });
        var bobId = SecretKey.Generate().PublicKey;
        await bobDiscovery.StartAsync(new EndpointAddr(bobId, [new IPEndPoint(IPAddress.Parse("10.253.0.9"), 4433)]), announce: true, Ct);
        Assert.Empty(bobDiscovery.Interfaces);

        // The interface Bob was told to use comes up, with an address; his endpoint reports the change.
        await using var link = await VethLink.CreateOrSkipAsync(tag);
        await using var aliceDiscovery = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { InterfaceNames = [link.Name], Port = port });
        await aliceDiscovery.StartAsync(new EndpointAddr(SecretKey.Generate().PublicKey, []), announce: false, Ct);
        await bobDiscovery.RenewAsync(new EndpointAddr(bobId, [new IPEndPoint(link.Address, 4433)]), Ct);

        Assert.Equal([link.Name], bobDiscovery.Interfaces);
        var hit = await WaitForAsync(() => aliceDiscovery.Find(bobId, TimeSpan.FromMinutes(1)));
        Assert.Contains(new IPEndPoint(link.Address, 4433), hit.Addresses);
    }

    private static EndpointOptions Options(SecretKey key, IPAddress address, ILocalDiscovery discovery, bool announce) => new()
    {
        SecretKey = key,
        BindAddress = new IPEndPoint(address, 0),
        Provider = Testing.TestTransport.Require(),
        Alpns = [TestEndpoints.TestAlpn],
        LocalDiscovery = discovery,
        AnnounceOnLocalNetwork = announce,
    };

    private static async Task<T> WaitForAsync<T>(Func<T?> probe)
        where T : class
    {
        for (var i = 0; i < 300; i++)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(100, Ct);
        }

        throw new TimeoutException("not heard over multicast within 30 s");
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

/// <summary>A veth pair in this namespace, both ends up, one with an address of its own (10.253.x.1/24); deleted on dispose.</summary>
internal sealed class VethLink : IAsyncDisposable
{
    private VethLink(string name, IPAddress address)
    {
        Name = name;
        Address = address;
    }

    public string Name { get; }

    public IPAddress Address { get; }

    /// <summary>A tag for <see cref="CreateOrSkipAsync"/>, so a test can name the interface before it exists.</summary>
    public static string NewTag() => $"{Environment.ProcessId % 10000}{Random.Shared.Next(100)}";

    /// <summary>The name of the end with the address of the link made with <paramref name="tag"/>.</summary>
    public static string NameOf(string tag) => $"irsm{tag}a";

    public static async Task<VethLink> CreateOrSkipAsync(string? tag = null)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || (await RunAsync("ip", "-V")).Code != 0)
        {
            Assert.Skip("Needs Linux, root and iproute2 to make a multicast-capable veth pair (loopback carries no multicast here).");
        }

        tag ??= NewTag();
        var name = NameOf(tag);
        var address = IPAddress.Parse($"10.253.{Random.Shared.Next(1, 250)}.1");
        var link = new VethLink(name, address);
        foreach (var command in new[]
        {
            $"link add {name} type veth peer name irsm{tag}b", $"addr add {address}/24 dev {name}",
            $"link set {name} multicast on", $"link set {name} up", $"link set irsm{tag}b up",
        })
        {
            var (code, output) = await RunAsync("ip", command.Split(' '));
            if (code != 0)
            {
                await link.DisposeAsync();
                Assert.Skip($"Could not make a veth pair here: 'ip {command}' said {output.Trim()}");
            }
        }

        // The kernel reports the link up (carrier on both ends) a moment after 'ip link set up' returns.
        for (var i = 0; i < 100 && !IsUp(name); i++)
        {
            await Task.Delay(50);
        }

        return link;
    }

    public async ValueTask DisposeAsync() => await RunAsync("ip", "link", "del", Name); // deletes both ends

    private static bool IsUp(string name) => System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
        .Any(n => n.Name == name && n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up);

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
