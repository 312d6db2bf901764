using IrohSocial.Crypto;
using IrohSocial.Testing;
using IrohSocial.Transport.Internal.Quic;

namespace IrohSocial.Transport.Tests;

/// <summary>
/// The <c>IrohSocial.Transport</c> meter (docs/observability.md): each endpoint's instruments come from the factory in
/// its options, so these tests see exactly their own endpoints' measurements whatever else runs in parallel.
/// </summary>
public sealed class TransportTelemetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<TransportProvider> Providers => [TransportProvider.TcpTls, TransportProvider.Quic];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Dial_FailedThenGenuine_CountsFailureOpenCloseAndHandshake(TransportProvider provider)
    {
        Assert.SkipWhen(provider == TransportProvider.Quic && !QuicSupport.IsSupported, "QUIC needs libmsquic, which is not installed here");
        using var dialerMeters = new RecordingMeterFactory();
        using var listenerMeters = new RecordingMeterFactory();
        await using var listener = await TestEndpoints.BindAsync(provider, o => o with { MeterFactory = listenerMeters });
        await using var dialer = await TestEndpoints.BindAsync(provider, o => o with { MeterFactory = dialerMeters });
        var path = provider == TransportProvider.Quic ? "quic" : "tcp";

        var lookAlike = listener.Addr with { Id = SecretKey.Generate().PublicKey };
        await Assert.ThrowsAsync<TransportException>(async () => await dialer.ConnectAsync(lookAlike, TestEndpoints.TestAlpn, Ct));
        var failure = Assert.Single(dialerMeters.Measurements("irohsocial.transport.connections.failed"));
        Assert.Equal(1, failure.Value);
        Assert.Equal("endpoint_id_mismatch", failure.Tags["error.type"]);
        Assert.Equal("outbound", failure.Tags["irohsocial.connection.direction"]);
        Assert.Equal(path, failure.Tags["irohsocial.transport.path"]);
        Assert.Empty(dialerMeters.Measurements("irohsocial.transport.connections.opened"));

        var (client, server) = await TestEndpoints.ConnectPairAsync(dialer, listener);
        var opened = Assert.Single(dialerMeters.Measurements("irohsocial.transport.connections.opened"));
        Assert.Equal("outbound", opened.Tags["irohsocial.connection.direction"]);
        Assert.Equal(path, opened.Tags["irohsocial.transport.path"]);
        Assert.Equal(path == "quic" ? "quic" : "tcp", opened.Tags["network.transport"]);
        Assert.Equal("inbound", Assert.Single(listenerMeters.Measurements("irohsocial.transport.connections.opened")).Tags["irohsocial.connection.direction"]);
        var handshake = Assert.Single(dialerMeters.Measurements("irohsocial.transport.handshake.duration"));
        Assert.True(handshake.Value > 0);
        Assert.Equal(path, handshake.Tags["irohsocial.transport.path"]);

        await client.DisposeAsync();
        await server.DisposeAsync();
        await dialerMeters.WaitForAsync("irohsocial.transport.connections.closed");
        await listenerMeters.WaitForAsync("irohsocial.transport.connections.closed");

        // No tag value names either endpoint.
        var ids = new[] { dialer.Id, listener.Id, lookAlike.Id }.SelectMany(id => new[] { id.ToString(), id.ToShortString() }).ToArray();
        Assert.All(dialerMeters.All.Concat(listenerMeters.All).SelectMany(m => m.Tags.Values), value =>
            Assert.DoesNotContain(ids, id => (value?.ToString() ?? "").Contains(id, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task Dispose_FactoryMeter_IsLeftToTheFactory()
    {
        using var meters = new RecordingMeterFactory();
        await using (await TestEndpoints.BindAsync(TransportProvider.TcpTls, o => o with { MeterFactory = meters }))
        {
        }

        // Its meter belongs to the factory, which disposes it: the endpoint's dispose completed none of its instruments.
        Assert.Contains("irohsocial.transport.connections.opened", meters.PublishedInstruments);
        Assert.Empty(meters.CompletedInstruments);
    }
}
