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

    public static async Task<VethLink> CreateOrSkipAsync()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || (await RunAsync("ip", "-V")).Code != 0)
        {
            Assert.Skip("Needs Linux, root and iproute2 to make a multicast-capable veth pair (loopback carries no multicast here).");
        }

        var tag = $"{Environment.ProcessId % 10000}{Random.Shared.Next(100)}";
        var name = $"irsm{tag}a";
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

        return link;
    }

    public async ValueTask DisposeAsync() => await RunAsync("ip", "link", "del", Name); // deletes both ends

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
