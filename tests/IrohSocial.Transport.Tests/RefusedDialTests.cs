using IrohSocial.Crypto;
using IrohSocial.Transport.Internal.Quic;

namespace IrohSocial.Transport.Tests;

/// <summary>
/// Issue 19: a dial that the dialer itself gives up on (the listener proved another id than the one dialed, as a
/// mistyped ticket does) must never reach the listener's accept queue as a connection from the dialer. Before the
/// fix the TCP listener handed such a connection to the app a moment before it died, and the messaging layer
/// took it as the dialer's newest connection.
/// </summary>
public sealed class RefusedDialTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<TransportProvider> Providers => [TransportProvider.TcpTls, TransportProvider.Quic];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Dial_RefusedByDialerForAnotherId_IsNeverAccepted(TransportProvider provider)
    {
        Assert.SkipWhen(provider == TransportProvider.Quic && !QuicSupport.IsSupported, "QUIC needs libmsquic, which is not installed here");
        await using var listener = await TestEndpoints.BindAsync(provider);
        await using var dialer = await TestEndpoints.BindAsync(provider);
        var lookAlike = listener.Addr with { Id = SecretKey.Generate().PublicKey };
        var accepted = listener.AcceptAsync(Ct).AsTask();

        for (var i = 0; i < 20; i++)
        {
            var error = await Assert.ThrowsAsync<TransportException>(async () => await dialer.ConnectAsync(lookAlike, TestEndpoints.TestAlpn, Ct));
            Assert.Equal(TransportError.EndpointIdMismatch, error.Error);
        }

        await using var genuine = await dialer.ConnectAsync(listener.Addr, TestEndpoints.TestAlpn, Ct);
        await using var server = await accepted;

        // The first connection the listener hands out is the genuine one, alive: a stream written by the dialer arrives on it.
        await using var outbound = await genuine.OpenUnidirectionalStreamAsync(Ct);
        await outbound.WriteAsync("x"u8.ToArray(), Ct);
        outbound.CompleteWrites();
        await using var inbound = await server.AcceptStreamAsync(Ct);
        Assert.Equal("x"u8.ToArray(), await TestEndpoints.ReadToEndAsync(inbound));
    }
}
