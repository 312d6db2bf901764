using System.Diagnostics.Metrics;
using System.Net;
using System.Net.WebSockets;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal.Relay;
using static IrohSocial.Relay.Tests.RelayTestKit;

namespace IrohSocial.Relay.Tests;

/// <summary>Each limit refuses the abuser while a genuine peer on the same relay is still served.</summary>
public sealed class RelayLimitsTests
{
    private static readonly IPAddress AbuserAddress = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task RateLimit_RefusesABurstingId_WhileAnotherIdIsServed()
    {
        await using var relay = await StartRelayAsync(o => o with { RequestsPerSecondPerId = 1, RequestBurstPerId = 3 });
        using var bob = SecretKey.Generate();
        using var alice = SecretKey.Generate();
        using var abuser = SecretKey.Generate();
        await using var listener = await EchoListenerAsync(relay.Address, bob);

        var refusals = 0;
        for (var i = 0; i < 10; i++)
        {
            try
            {
                await using var stream = await Client(relay.Address, abuser).DialAsync(bob.PublicKey, Ct);
            }
            catch (TransportException ex) when (ex.ApplicationErrorCode == (long)RelayRefusal.RateLimited)
            {
                refusals++;
            }
        }

        // Ten dials against a bucket of three that refills one a second: most are refused, whatever the machine's speed.
        Assert.InRange(refusals, 1, 7);
        await using var genuine = await Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);
        Assert.Equal("hello"u8.ToArray(), await RoundTripAsync(genuine, "hello"u8.ToArray()));
    }

    [Fact]
    public async Task SocketsPerIp_RefusesTheFloodingAddress_WhileAnotherAddressIsServed()
    {
        await using var relay = await StartRelayAsync(o => o with { MaxSocketsPerIp = 3 });
        using var bob = SecretKey.Generate();
        using var alice = SecretKey.Generate();
        await using var listener = await EchoListenerAsync(relay.Address, bob); // one socket from 127.0.0.1

        var held = new List<RelayRegistrationSocket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var key = SecretKey.Generate();
                held.Add(await Client(relay.Address, key, AbuserAddress).RegisterAsync(Ct));
            }

            using var fourth = SecretKey.Generate();
            var ex = await Assert.ThrowsAsync<TransportException>(() => Client(relay.Address, fourth, AbuserAddress).RegisterAsync(Ct));
            Assert.Equal((long)RelayRefusal.TooManySockets, ex.ApplicationErrorCode);

            await using var genuine = await Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);
            Assert.Equal("still served"u8.ToArray(), await RoundTripAsync(genuine, "still served"u8.ToArray()));
        }
        finally
        {
            foreach (var registration in held)
            {
                await registration.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SessionsPerId_RefusesDialsPastTheLimit_WhileAnotherTargetIsServed()
    {
        await using var relay = await StartRelayAsync(o => o with { MaxSessionsPerId = 2 });
        using var bob = SecretKey.Generate();
        using var carol = SecretKey.Generate();
        using var alice = SecretKey.Generate();
        await using var bobListener = await EchoListenerAsync(relay.Address, bob);
        await using var carolListener = await EchoListenerAsync(relay.Address, carol);

        await using var first = await Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);
        using var dave = SecretKey.Generate();
        await using var second = await Client(relay.Address, dave).DialAsync(bob.PublicKey, Ct);
        using var erin = SecretKey.Generate();
        var ex = await Assert.ThrowsAsync<TransportException>(() => Client(relay.Address, erin).DialAsync(bob.PublicKey, Ct));
        Assert.Equal((long)RelayRefusal.TooManySessions, ex.ApplicationErrorCode);

        await using var toCarol = await Client(relay.Address, erin).DialAsync(carol.PublicKey, Ct);
        Assert.Equal("carol"u8.ToArray(), await RoundTripAsync(toCarol, "carol"u8.ToArray()));
    }

    [Fact]
    public async Task MaxMessageSize_EndsTheOffendingSession_WhileAnotherSessionIsServed()
    {
        await using var relay = await StartRelayAsync(o => o with { MaxMessageSize = 4096 });
        using var bob = SecretKey.Generate();
        using var alice = SecretKey.Generate();
        using var abuser = SecretKey.Generate();
        await using var listener = await EchoListenerAsync(relay.Address, bob);

        await using var genuine = await Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);
        await using var abusive = await Client(relay.Address, abuser).DialAsync(bob.PublicKey, Ct);

        // RelayedStream sends up to 32 KiB per message, above this relay's 4 KiB limit: the relay ends that session.
        var tooBig = new byte[10_000];
        await abusive.WriteAsync(tooBig, Ct);
        await abusive.FlushAsync(Ct);
        var buffer = new byte[tooBig.Length];
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var total = 0;
            int read;
            while ((read = await abusive.ReadAsync(buffer, Ct)) > 0)
            {
                total += read;
            }

            throw new IOException($"ended after {total} bytes");
        });

        Assert.Equal("small"u8.ToArray(), await RoundTripAsync(genuine, "small"u8.ToArray()));
    }

    [Fact]
    public async Task Meter_CountsRegisteredIdsSessionsBytesAndRefusals()
    {
        await using var relay = await StartRelayAsync();
        var longs = new Dictionary<string, long>();
        var refusalReasons = new List<string>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                // this relay's meter only: relays of tests running in parallel publish under the same name
                if (instrument.Meter == relay.Hub.Meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (longs)
            {
                longs[instrument.Name] = instrument.Name == "irohsocial.relay.bytes" ? longs.GetValueOrDefault(instrument.Name) + value : value;
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        refusalReasons.Add((string)tag.Value!);
                    }
                }
            }
        });
        meterListener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
        {
            lock (longs)
            {
                longs[instrument.Name] = value;
            }
        });
        meterListener.Start();

        using var bob = SecretKey.Generate();
        using var alice = SecretKey.Generate();
        using var nobody = SecretKey.Generate();
        await using var listener = await EchoListenerAsync(relay.Address, bob);
        await using var stream = await Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);
        await RoundTripAsync(stream, new byte[1000]);
        await Assert.ThrowsAsync<TransportException>(() => Client(relay.Address, alice).DialAsync(nobody.PublicKey, Ct));
        meterListener.RecordObservableInstruments();

        lock (longs)
        {
            Assert.True(longs.GetValueOrDefault("irohsocial.relay.registered_ids") >= 1);
            Assert.Equal(1, longs.GetValueOrDefault("irohsocial.relay.sessions"));
            Assert.True(longs.GetValueOrDefault("irohsocial.relay.bytes") >= 2000);
            Assert.Contains(nameof(RelayRefusal.NotFound), refusalReasons);
        }
    }
}
