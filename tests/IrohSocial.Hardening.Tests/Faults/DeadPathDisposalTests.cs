using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.Hardening.Tests.Faults;

/// <summary>
/// Disposing a stream whose path died without a word (no FIN, no RST, no ICMP: datagrams or segments just vanish)
/// returns at once, like closing a TCP socket, instead of waiting for the peer's acknowledgement until the connection's
/// idle timeout. A call's leg restore and a DM link's failure dispose streams on exactly such paths; System.Net.Quic's
/// own disposal waited tens of seconds there (issue 22).
/// </summary>
public sealed class DeadPathDisposalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Far above anything the disposal may take, far below the idle timeout it used to wait for.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(TransportProvider.TcpTls, true)]
    [InlineData(TransportProvider.TcpTls, false)]
    [InlineData(TransportProvider.Quic, true)]
    [InlineData(TransportProvider.Quic, false)]
    public async Task StreamWithUnacknowledgedData_OnABlackHoledPath_DisposesAtOnce(TransportProvider provider, bool async)
    {
        TestTransport.Require(provider);

        using var serverKey = SecretKey.Generate();
        await using var server = await Endpoint.BindAsync(Options(serverKey, provider), Ct);
        await using var path = NetworkPath.Start(provider, server.LocalEndPoint, up: true);
        using var clientKey = SecretKey.Generate();
        await using var client = await Endpoint.BindAsync(Options(clientKey, provider), Ct);

        var accept = server.AcceptAsync(Ct).AsTask();
        await using var connection = await client.ConnectAsync(new EndpointAddr(server.Id, [path.EndPoint]), Alpns.DirectMessages, Ct);
        await using var accepted = await accept;
        var stream = await connection.OpenBidirectionalStreamAsync(Ct);
        await stream.WriteAsync("hello"u8.ToArray(), Ct);
        await stream.FlushAsync(Ct);
        await using var inbound = await accepted.AcceptStreamAsync(Ct);
        var greeting = new byte[5];
        await inbound.ReadExactlyAsync(greeting, Ct);

        path.BlackHole();
        await stream.WriteAsync(new byte[1000], Ct); // sent into the void: never acknowledged
        await stream.FlushAsync(Ct);

        var disposal = async ? stream.DisposeAsync().AsTask() : Task.Run(stream.Dispose, Ct);
        await disposal.WaitAsync(Bound, Ct);
        Assert.False(connection.Closed.IsCompleted, "the connection itself stays until its idle timeout or a close");
    }

    private static EndpointOptions Options(SecretKey key, TransportProvider provider) => new()
    {
        SecretKey = key,
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = provider,
        Alpns = [Alpns.DirectMessages],
        IdleTimeout = IdleTimeout,
    };
}
