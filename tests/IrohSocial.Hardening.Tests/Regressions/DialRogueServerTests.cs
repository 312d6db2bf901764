using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Hardening.Tests.Regressions;

/// <summary>
/// Found with the mux-frames fuzz target: when the peer's bytes end or fault the multiplexing stream right after
/// TLS, the stream disposes itself before the connection accepts its control channel. Dialing such a peer must
/// fail with a <see cref="TransportException"/>, never another exception type, however the race falls.
/// Endpoint.ConnectAsync used to let ObjectDisposedException and InvalidOperationException ("Channel is already
/// accepted", disposed MultiplexingStream) escape from MuxConnection.CreateAsync (AcceptChannel(0) after
/// StartListening) on most attempts.
/// </summary>
public sealed class DialRogueServerTests
{
    public static TheoryData<string> Replies() => new()
    {
        "closes at once",
        "garbage then close",
        "truncated mux frame",
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public async Task Dial_PeerThatBreaksTheMuxRightAfterTls_FailsWithTransportException(string reply)
    {
        byte[] bytes = reply switch
        {
            "closes at once" => [],
            "garbage then close" => Enumerable.Repeat((byte)0xFF, 64).ToArray(),
            _ => [0x94, 0x00, 0x02, 0x01, 0xc4, 0x07],
        };
        await using var rogue = new RogueServer(bytes);
        using var key = SecretKey.Generate();
        await using var endpoint = await Endpoint.BindAsync(new EndpointOptions
        {
            SecretKey = key,
            BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
            Provider = TransportProvider.TcpTls,
        }, TestContext.Current.CancellationToken);

        var unexpected = new List<string>();
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                await using var connection = await endpoint.ConnectAsync(rogue.Addr, Alpns.DirectMessages, TestContext.Current.CancellationToken);

                // Connected before the break was seen: the break must then surface as a closed connection.
                await connection.Closed.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            }
            catch (TransportException)
            {
            }
            catch (Exception e) when (e is not OperationCanceledException and not TimeoutException)
            {
                unexpected.Add($"{e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("IrohSocial", StringComparison.Ordinal))?.Trim()}");
            }
        }

        Assert.True(unexpected.Count == 0, string.Join(Environment.NewLine, unexpected.Distinct()));
    }
}
