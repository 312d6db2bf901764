using System.Security.Cryptography;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal.Relay;
using static IrohSocial.Relay.Tests.RelayTestKit;

namespace IrohSocial.Relay.Tests;

/// <summary>How <see cref="RelayedStream"/> cuts what it is given into WebSocket messages, seen from the relay's splice.</summary>
public sealed class RelayedStreamTests
{
    // One full end-to-end TLS record as SslStream writes it: 16 KiB of data, 5 bytes of header, 17 of type and tag.
    private const int FullTlsRecord = 16 * 1024 + 22;

    [Fact]
    public async Task WriteAsync_FullTlsRecords_TravelTwoPerMessage_AndFlushSendsTheRest()
    {
        await using var relay = await StartRelayAsync();
        using var alice = SecretKey.Generate();
        using var bob = SecretKey.Generate();
        var messages = new List<int>();
        relay.Hub.SpliceTap = (from, chunk) =>
        {
            if (from == alice.PublicKey)
            {
                lock (messages)
                {
                    messages.Add(chunk.Length);
                }
            }
        };
        await using var listener = await EchoListenerAsync(relay.Address, bob);
        await using var stream = await Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);

        var records = RandomNumberGenerator.GetBytes(4 * FullTlsRecord);
        for (var i = 0; i < 4; i++)
        {
            await stream.WriteAsync(records.AsMemory(i * FullTlsRecord, FullTlsRecord), Ct);
        }

        await stream.FlushAsync(Ct);
        var echoed = new byte[records.Length];
        await stream.ReadExactlyAsync(echoed, Ct);

        Assert.Equal(records, echoed);
        lock (messages)
        {
            // Each full message is exactly two records of the TLS to the relay (32 KiB with its 8-byte frame header).
            Assert.Equal([RelayedStream.MaxMessage, RelayedStream.MaxMessage, records.Length - (2 * RelayedStream.MaxMessage)], messages);
        }
    }

    [Fact]
    public async Task WriteAsync_SmallWrites_WaitForFlush_ThenGoAsOneMessage()
    {
        await using var relay = await StartRelayAsync();
        using var alice = SecretKey.Generate();
        using var bob = SecretKey.Generate();
        var messages = new List<int>();
        relay.Hub.SpliceTap = (from, chunk) =>
        {
            if (from == alice.PublicKey)
            {
                lock (messages)
                {
                    messages.Add(chunk.Length);
                }
            }
        };
        await using var listener = await EchoListenerAsync(relay.Address, bob);
        await using var stream = await Client(relay.Address, alice).DialAsync(bob.PublicKey, Ct);

        await stream.WriteAsync(new byte[100], Ct);
        await stream.WriteAsync(new byte[200], Ct);
        await stream.FlushAsync(Ct);
        await stream.ReadExactlyAsync(new byte[300], Ct);

        lock (messages)
        {
            Assert.Equal([300], messages);
        }
    }
}
