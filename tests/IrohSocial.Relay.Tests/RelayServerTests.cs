using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal.Relay;
using static IrohSocial.Relay.Tests.RelayTestKit;

namespace IrohSocial.Relay.Tests;

public sealed class RelayServerTests
{
    [Fact]
    public async Task Dial_RegisteredPeer_SplicesBytesBothWaysOverTls()
    {
        await using var relay = await StartRelayAsync();
        Assert.Equal("https", relay.Address.Url.Scheme);
        using var alice = SecretKey.Generate();
        using var bob = SecretKey.Generate();
        await using var listener = await EchoListenerAsync(relay.Address, bob);

        await using var stream = await Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);
        Assert.Equal(bob.PublicKey, stream.PeerId);
        var payload = RandomNumberGenerator.GetBytes(200_000); // larger than one relayed message
        Assert.Equal(payload, await RoundTripAsync(stream, payload));
        Assert.Equal(1, relay.ActiveSessions);
    }

    [Fact]
    public async Task Dial_UnknownId_IsNotFoundAtOnce()
    {
        // The accept timeout is an hour: only an immediate answer lets this test finish.
        await using var relay = await StartRelayAsync(o => o with { AcceptTimeout = TimeSpan.FromHours(1) });
        using var alice = SecretKey.Generate();
        using var offline = SecretKey.Generate();

        var ex = await Assert.ThrowsAsync<TransportException>(() => Client(relay.Address, alice).DialAsync(offline.PublicKey, Ct));
        Assert.Equal(TransportError.PeerNotFound, ex.Error);
    }

    [Fact]
    public async Task Hello_SignedByAnotherKey_IsRefusedAsBadSignature()
    {
        await using var relay = await StartRelayAsync();
        using var alice = SecretKey.Generate();
        using var mallory = SecretKey.Generate();
        var client = new RelayClient(alice, relay.Address, TimeSpan.FromSeconds(10), TimeProvider.System)
        {
            // claims alice's id, signs with mallory's key
            HelloOverride = (relayId, challenge, request, body) =>
            {
                var hello = RelayProtocol.EncodeHello(mallory, relayId, challenge, request, body);
                alice.PublicKey.CopyTo(hello.AsSpan(1));
                return hello;
            },
        };

        var ex = await Assert.ThrowsAsync<TransportException>(() => client.RegisterAsync(Ct));
        Assert.Equal(TransportError.RelayRefused, ex.Error);
        Assert.Equal((long)RelayRefusal.BadSignature, ex.ApplicationErrorCode);
        Assert.Equal(0, relay.RegisteredCount);
    }

    [Fact]
    public async Task Hello_SignedForAnotherRelay_IsRefused()
    {
        await using var relay = await StartRelayAsync();
        using var alice = SecretKey.Generate();
        using var otherRelay = SecretKey.Generate();
        var client = new RelayClient(alice, relay.Address, TimeSpan.FromSeconds(10), TimeProvider.System)
        {
            HelloOverride = (_, challenge, request, body) => RelayProtocol.EncodeHello(alice, otherRelay.PublicKey, challenge, request, body),
        };

        var ex = await Assert.ThrowsAsync<TransportException>(() => client.RegisterAsync(Ct));
        Assert.Equal((long)RelayRefusal.BadSignature, ex.ApplicationErrorCode);
    }

    [Fact]
    public async Task Hello_ReplayedOnANewSocket_IsRefused()
    {
        await using var relay = await StartRelayAsync();
        using var alice = SecretKey.Generate();
        byte[]? captured = null;
        var honest = new RelayClient(alice, relay.Address, TimeSpan.FromSeconds(10), TimeProvider.System)
        {
            HelloOverride = (relayId, challenge, request, body) => captured = RelayProtocol.EncodeHello(alice, relayId, challenge, request, body),
        };
        await using (await honest.RegisterAsync(Ct))
        {
        }

        Assert.NotNull(captured);
        var replayer = new RelayClient(alice, relay.Address, TimeSpan.FromSeconds(10), TimeProvider.System)
        {
            HelloOverride = (_, _, _, _) => captured,
        };
        var ex = await Assert.ThrowsAsync<TransportException>(() => replayer.RegisterAsync(Ct));
        Assert.Equal((long)RelayRefusal.BadSignature, ex.ApplicationErrorCode);
    }

    [Fact]
    public async Task Dial_WithoutValidSignature_IsRefusedAndTargetHearsNothing()
    {
        await using var relay = await StartRelayAsync();
        using var bob = SecretKey.Generate();
        var accepted = 0;
        await using var listener = new RelayListener(Client(relay.Address, bob), (s, _) => { Interlocked.Increment(ref accepted); return s.DisposeAsync().AsTask(); },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        listener.Start();
        await listener.WaitRegisteredAsync(Ct);

        // A dial with an all-zero signature, and one with bytes that are no hello at all.
        var (socket, _, _) = await RawAsync(relay);
        using (socket)
        {
            var dial = new byte[1 + 32 + 64 + 32];
            dial[0] = (byte)RelayRequest.Dial;
            RandomNumberGenerator.Fill(dial.AsSpan(1, 32));
            bob.PublicKey.CopyTo(dial.AsSpan(1 + 32 + 64));
            await socket.SendAsync(dial, WebSocketMessageType.Binary, true, Ct);
            Assert.Equal(RelayRefusal.BadSignature, await ReadRefusalAsync(socket));
        }

        var (garbage, _, _) = await RawAsync(relay);
        using (garbage)
        {
            await garbage.SendAsync("GET /bob"u8.ToArray(), WebSocketMessageType.Binary, true, Ct);
            Assert.Equal(RelayRefusal.ProtocolViolation, await ReadRefusalAsync(garbage));
        }

        Assert.Equal(0, Volatile.Read(ref accepted));
        Assert.True(listener.IsRegistered);
    }

    [Fact]
    public async Task Client_PinningAnotherRelayId_DoesNotConnect()
    {
        await using var relay = await StartRelayAsync();
        using var alice = SecretKey.Generate();
        using var impostor = SecretKey.Generate();
        var wrongPin = relay.Address with { Id = impostor.PublicKey };

        var ex = await Assert.ThrowsAsync<TransportException>(() => Client(wrongPin, alice).RegisterAsync(Ct));
        Assert.Equal(TransportError.ConnectionRefused, ex.Error); // the TLS certificate proves another id
    }

    [Fact]
    public async Task Register_SameIdTwice_NewestWinsAndOlderIsToldWhy()
    {
        await using var relay = await StartRelayAsync();
        using var bob = SecretKey.Generate();
        await using var older = await Client(relay.Address, bob).RegisterAsync(Ct);
        await using var newer = await Client(relay.Address, bob).RegisterAsync(Ct);

        var ex = await Assert.ThrowsAsync<TransportException>(() => older.ReadIncomingAsync(Ct));
        Assert.Equal((long)RelayRefusal.Replaced, ex.ApplicationErrorCode);

        // Dials now reach the newer registration.
        using var alice = SecretKey.Generate();
        var dial = Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);
        var incoming = await newer.ReadIncomingAsync(Ct);
        Assert.Equal(alice.PublicKey, incoming.Dialer);
        await using var accepted = await Client(relay.Address, bob).AcceptAsync(incoming, Ct);
        await using var dialed = await dial;
        Assert.Equal(bob.PublicKey, dialed.PeerId);
        Assert.Equal(1, relay.RegisteredCount);
    }

    [Fact]
    public async Task Accept_WithTokenOfAnotherTarget_IsRefused()
    {
        await using var relay = await StartRelayAsync();
        using var alice = SecretKey.Generate();
        using var bob = SecretKey.Generate();
        using var mallory = SecretKey.Generate();
        await using var bobRegistration = await Client(relay.Address, bob).RegisterAsync(Ct);
        var dial = Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);
        var incoming = await bobRegistration.ReadIncomingAsync(Ct);

        var ex = await Assert.ThrowsAsync<TransportException>(() => Client(relay.Address, mallory).AcceptAsync(incoming, Ct));
        Assert.Equal((long)RelayRefusal.UnknownSession, ex.ApplicationErrorCode);

        // The wrong id did not spend the token: bob still accepts and the dial completes.
        await using var accepted = await Client(relay.Address, bob).AcceptAsync(incoming, Ct);
        await using var dialed = await dial;
        Assert.Equal(alice.PublicKey, accepted.PeerId);
    }

    [Fact]
    public async Task AllowList_RefusesIdsItDoesNotAdmit()
    {
        using var friend = SecretKey.Generate();
        using var stranger = SecretKey.Generate();
        await using var relay = await StartRelayAsync(o => o with { AllowPeer = id => id == friend.PublicKey });

        await using (await Client(relay.Address, friend).RegisterAsync(Ct))
        {
            var ex = await Assert.ThrowsAsync<TransportException>(() => Client(relay.Address, stranger).DialAsync(friend.PublicKey, Ct));
            Assert.Equal((long)RelayRefusal.NotAllowed, ex.ApplicationErrorCode);
        }
    }

    [Fact]
    public async Task Handshake_WithoutHello_IsRefusedAfterTheTimeout()
    {
        await using var relay = await StartRelayAsync(o => o with { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        var (socket, _, _) = await RawAsync(relay);
        using (socket)
        {
            Assert.Equal(RelayRefusal.HandshakeTimeout, await ReadRefusalAsync(socket));
        }
    }

    [Fact]
    public async Task Shutdown_TellsClientsToComeBack_AndTheyRegisterAgainOnTheRestartedRelay()
    {
        using var relayIdentity = SecretKey.Generate();
        var port = FreeLoopbackPort();
        var bind = new IPEndPoint(IPAddress.Loopback, port);
        var relay = await StartRelayAsync(identity: relayIdentity, bind: bind);
        var address = relay.Address;
        using var alice = SecretKey.Generate();
        using var bob = SecretKey.Generate();
        await using var listener = await EchoListenerAsync(address, bob);
        Assert.Equal(1, listener.Registrations);

        await relay.DisposeAsync();
        await WaitUntilAsync(() => !listener.IsRegistered, "the listener notices the relay is gone");

        await using var restarted = await StartRelayAsync(identity: relayIdentity, bind: bind);
        Assert.Equal(address, restarted.Address);
        await listener.WaitRegisteredAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(listener.Registrations >= 2);
        Assert.Null(listener.Stopped);

        await using var stream = await Client(restarted.Address, alice).DialAsync(bob.PublicKey, Ct);
        Assert.Equal("after restart"u8.ToArray(), await RoundTripAsync(stream, "after restart"u8.ToArray()));
    }
}
