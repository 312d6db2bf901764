using System.Buffers.Binary;
using System.Net;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using static IrohSocial.Relay.Tests.RelayTestKit;

namespace IrohSocial.Relay.Tests;

/// <summary>Endpoints with a home relay: relayed connections run the same TLS and streams as direct ones.</summary>
public sealed class RelayedEndpointTests
{
    private const string Alpn = "iroh-social/test/1";

    public static ValueTask<Endpoint> BindAsync(RelayAddress relay, SecretKey key) => Endpoint.BindAsync(new EndpointOptions
    {
        SecretKey = key,
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = TransportProvider.TcpTls,
        Alpns = [Alpn],
        RelayUrls = [relay],
        RelayMinBackoff = TimeSpan.FromMilliseconds(50),
        RelayMaxBackoff = TimeSpan.FromMilliseconds(500),
    }, Ct);

    [Fact]
    public async Task ConnectDirect_NeverUsesTheRelay_AndProvesTheId()
    {
        await using var relay = await StartRelayAsync();
        using var aliceKey = SecretKey.Generate();
        using var bobKey = SecretKey.Generate();
        using var otherKey = SecretKey.Generate();
        await using var alice = await BindAsync(relay.Address, aliceKey);
        await using var bob = await BindAsync(relay.Address, bobKey);
        await bob.WaitForRelayAsync(Ct);

        // Only a relay is known: a direct dial refuses at once instead of falling back to the relay.
        var relayedOnly = bob.Addr with { DirectAddresses = [] };
        var refused = await Assert.ThrowsAsync<TransportException>(() => alice.ConnectDirectAsync(relayedOnly, Alpn, Ct).AsTask());
        Assert.Equal(TransportError.ConnectionRefused, refused.Error);
        Assert.Equal(0, relay.ActiveSessions);

        // Direct addresses beside a relay: the direct path, never the relay, even though the relay could reach bob.
        var accept = bob.AcceptAsync(Ct).AsTask();
        await using var direct = await alice.ConnectDirectAsync(bob.Addr, Alpn, Ct);
        await using var accepted = await accept;
        Assert.Equal(ConnectionPath.Tcp, direct.Path);
        Assert.Equal(bob.Id, direct.RemoteId);
        Assert.Equal(0, relay.ActiveSessions);

        // Bob's address under another id: the direct connection must prove that id, and bob cannot.
        var impostor = new EndpointAddr(otherKey.PublicKey, bob.Addr.DirectAddresses, bob.Addr.RelayUrl);
        var mismatch = await Assert.ThrowsAsync<TransportException>(() => alice.ConnectDirectAsync(impostor, Alpn, Ct).AsTask());
        Assert.Equal(TransportError.EndpointIdMismatch, mismatch.Error);
    }

    [Fact]
    public async Task Connect_WithoutDirectAddress_GoesThroughTheRelay_AndTheTapSeesOnlyTlsRecords()
    {
        await using var relay = await StartRelayAsync();
        var tapped = new Dictionary<EndpointId, MemoryStream>();
        relay.Hub.SpliceTap = (from, chunk) =>
        {
            lock (tapped)
            {
                (tapped.TryGetValue(from, out var s) ? s : tapped[from] = new MemoryStream()).Write(chunk.Span);
            }
        };
        using var aliceKey = SecretKey.Generate();
        using var bobKey = SecretKey.Generate();
        await using var alice = await BindAsync(relay.Address, aliceKey);
        await using var bob = await BindAsync(relay.Address, bobKey);
        await bob.WaitForRelayAsync(Ct);
        Assert.Equal(relay.Address.ToUri(), bob.Addr.RelayUrl);
        Assert.True(bob.IsRelayRegistered);

        // Bob's ticket as someone behind a NAT would share it: no direct address that answers, only the relay.
        var relayedOnly = EndpointAddr.ParseTicket((bob.Addr with { DirectAddresses = [] }).ToTicket());
        var accept = bob.AcceptAsync(Ct).AsTask();
        await using var connection = await alice.ConnectAsync(relayedOnly, Alpn, Ct);
        await using var accepted = await accept;
        Assert.Equal(ConnectionPath.Relay, connection.Path);
        Assert.Equal(ConnectionPath.Relay, accepted.Path);
        Assert.Equal(bob.Id, connection.RemoteId);
        Assert.Equal(alice.Id, accepted.RemoteId);

        var canary = Encoding.UTF8.GetBytes("CANARY-" + Guid.NewGuid().ToString("N"));
        await using var stream = await connection.OpenBidirectionalStreamAsync(Ct);
        await stream.WriteAsync(canary, Ct);
        stream.CompleteWrites();
        await using var incoming = await accepted.AcceptStreamAsync(Ct);
        var received = new MemoryStream();
        await incoming.CopyToAsync(received, Ct);
        Assert.Equal(canary, received.ToArray());
        await incoming.WriteAsync(canary, Ct);
        incoming.CompleteWrites();
        var back = new MemoryStream();
        await stream.CopyToAsync(back, Ct);
        Assert.Equal(canary, back.ToArray());

        lock (tapped)
        {
            Assert.Equal(2, tapped.Count);
            foreach (var (_, bytes) in tapped)
            {
                var data = bytes.ToArray();
                Assert.True(data.Length > 0);
                AssertOnlyTlsRecords(data);
                Assert.Equal(-1, data.AsSpan().IndexOf(canary));
                Assert.Equal(-1, data.AsSpan().IndexOf(canary.AsSpan(0, 12))); // not even its start
            }
        }
    }

    [Fact]
    public async Task Connect_WithReachableDirectAddress_PrefersDirect()
    {
        await using var relay = await StartRelayAsync();
        using var aliceKey = SecretKey.Generate();
        using var bobKey = SecretKey.Generate();
        await using var alice = await BindAsync(relay.Address, aliceKey);
        await using var bob = await BindAsync(relay.Address, bobKey);
        await bob.WaitForRelayAsync(Ct);

        var accept = bob.AcceptAsync(Ct).AsTask();
        await using var connection = await alice.ConnectAsync(bob.Addr, Alpn, Ct);
        await using var accepted = await accept;
        Assert.Equal(ConnectionPath.Tcp, connection.Path);
        Assert.Equal(0, relay.ActiveSessions);
    }

    [Fact]
    public async Task Connect_ToOfflinePeerViaRelay_FailsWithPeerNotFound()
    {
        await using var relay = await StartRelayAsync(o => o with { AcceptTimeout = TimeSpan.FromHours(1) });
        using var aliceKey = SecretKey.Generate();
        using var offline = SecretKey.Generate();
        await using var alice = await BindAsync(relay.Address, aliceKey);
        await alice.WaitForRelayAsync(Ct);

        var ex = await Assert.ThrowsAsync<TransportException>(async () =>
            await alice.ConnectAsync(new EndpointAddr(offline.PublicKey, [], relay.Address.ToUri()), Alpn, Ct));
        Assert.Equal(TransportError.PeerNotFound, ex.Error);
    }

    [Fact]
    public async Task Connect_ThroughRelayToAnImpostor_FailsTheIdentityCheck()
    {
        // The relay cannot pretend to be bob: bob's TLS identity is checked end to end over the splice.
        await using var relay = await StartRelayAsync();
        using var aliceKey = SecretKey.Generate();
        using var malloryKey = SecretKey.Generate();
        using var bobKey = SecretKey.Generate();
        await using var alice = await BindAsync(relay.Address, aliceKey);
        await using var mallory = await BindAsync(relay.Address, malloryKey);
        await mallory.WaitForRelayAsync(Ct);

        // A client that asks the relay for mallory while expecting bob's identity must fail the TLS check.
        var stream = await new Transport.Internal.Relay.RelayClient(aliceKey, relay.Address, TimeSpan.FromSeconds(10), TimeProvider.System).DialAsync(mallory.Id, Ct);
        var ex = await Assert.ThrowsAsync<TransportException>(() => Transport.Internal.TlsOverStream.ConnectAsync(
            alice.Context, stream, new IPEndPoint(IPAddress.None, 0), ConnectionPath.Relay, bobKey.PublicKey, Alpn, Ct));
        Assert.Equal(TransportError.EndpointIdMismatch, ex.Error);
    }

    /// <summary>Walks TLS records (type 20-23, version 0x0303, length ≤ 2^14 + 256) and fails on anything else.</summary>
    private static void AssertOnlyTlsRecords(byte[] data)
    {
        var offset = 0;
        var records = 0;
        while (offset < data.Length)
        {
            Assert.True(data.Length - offset >= 5, $"a truncated record header at {offset}");
            var type = data[offset];
            Assert.InRange(type, (byte)20, (byte)23);
            Assert.Equal(0x03, data[offset + 1]);
            Assert.InRange(data[offset + 2], (byte)0x01, (byte)0x03);
            var length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(offset + 3));
            Assert.InRange(length, 1, (1 << 14) + 256);
            offset += 5 + length;
            records++;
        }

        Assert.Equal(data.Length, offset);
        Assert.True(records >= 3);
    }
}
