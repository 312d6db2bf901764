using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Hardening.Tests.Exhaustion;

/// <summary>A genuine peer of <see cref="EchoServer"/>: one connection, one stream per echo.</summary>
internal sealed class EchoClient : IAsyncDisposable
{
    private readonly SecretKey _key;
    private readonly Endpoint _endpoint;

    private EchoClient(SecretKey key, Endpoint endpoint, Connection connection)
    {
        _key = key;
        _endpoint = endpoint;
        Connection = connection;
    }

    public Connection Connection { get; }

    public static async Task<EchoClient> ConnectAsync(EchoServer server, TimeProvider time)
    {
        var key = SecretKey.Generate();
        var endpoint = await Endpoint.BindAsync(EchoServer.Options(key, time));
        var connection = await endpoint.ConnectAsync(server.Endpoint.Addr, Alpns.DirectMessages, TestContext.Current.CancellationToken);
        return new EchoClient(key, endpoint, connection);
    }

    public async Task<byte[]> EchoAsync(byte[] payload)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var stream = await Connection.OpenBidirectionalStreamAsync(ct);
        using var writer = new FrameWriter(stream);
        await writer.WriteFrameAsync(payload, ct);
        stream.CompleteWrites();
        return await new FrameReader(stream).ReadFrameAsync(ct) ?? throw new InvalidOperationException("no echo");
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await _endpoint.DisposeAsync();
        _key.Dispose();
    }
}
