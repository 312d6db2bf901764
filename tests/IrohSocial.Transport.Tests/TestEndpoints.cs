using System.Net;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Tests;

/// <summary>Binds endpoints on loopback for tests.</summary>
internal static class TestEndpoints
{
    public const string TestAlpn = "iroh-social/test/1";

    public static EndpointOptions Options(TransportProvider provider, SecretKey? key = null) => new()
    {
        SecretKey = key ?? SecretKey.Generate(),
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = provider,
        Alpns = [TestAlpn, Alpns.DirectMessages],
    };

    public static ValueTask<Endpoint> BindAsync(TransportProvider provider, Func<EndpointOptions, EndpointOptions>? configure = null)
    {
        var options = Options(provider);
        return Endpoint.BindAsync(configure is null ? options : configure(options), TestContext.Current.CancellationToken);
    }

    public static async Task<(Connection Client, Connection Server)> ConnectPairAsync(Endpoint client, Endpoint server, string alpn = TestAlpn)
    {
        var ct = TestContext.Current.CancellationToken;
        var accept = server.AcceptAsync(ct).AsTask();
        var connection = await client.ConnectAsync(server.Addr, alpn, ct);
        var accepted = await accept;
        return (connection, accepted);
    }

    public static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, TestContext.Current.CancellationToken);
        return buffer.ToArray();
    }
}
