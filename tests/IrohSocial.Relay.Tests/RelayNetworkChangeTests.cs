using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Testing;
using IrohSocial.Transport;
using static IrohSocial.Relay.Tests.RelayTestKit;

namespace IrohSocial.Relay.Tests;

/// <summary>A network change renews the endpoint's relay registration at once, not after its backoff.</summary>
public sealed class RelayNetworkChangeTests
{
    [Fact]
    public async Task NetworkChange_RegistersOnTheRelayAgainAtOnce_AndTheRelayStillReachesTheEndpoint()
    {
        await using var relay = await StartRelayAsync();
        using var aliceKey = SecretKey.Generate();
        using var bobKey = SecretKey.Generate();
        var network = new ManualNetworkMonitor();
        // A backoff far longer than the test: only the change can make bob register again within it.
        await using var bob = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = bobKey,
            BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
            Provider = TransportProvider.TcpTls,
            Alpns = ["iroh-social/test/1"],
            RelayUrls = [relay.Address],
            RelayMinBackoff = TimeSpan.FromMinutes(10),
            RelayMaxBackoff = TimeSpan.FromMinutes(10),
            NetworkMonitor = network,
        }, Ct);
        await bob.WaitForRelayAsync(Ct);
        Assert.Equal(1, bob.RelayPath!.Registrations);

        network.Change();

        await WaitUntilAsync(() => bob.RelayPath.Registrations >= 2 && bob.IsRelayRegistered, "bob registers again after the change");
        await using var alice = await RelayedEndpointTests.BindAsync(relay.Address, aliceKey);
        var accept = bob.AcceptAsync(Ct).AsTask();
        await using var relayed = await alice.ConnectAsync(bob.Addr with { DirectAddresses = [] }, "iroh-social/test/1", Ct);
        await using var accepted = await accept.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(ConnectionPath.Relay, relayed.Path);
        Assert.Equal(bob.Id, relayed.RemoteId);
    }
}
