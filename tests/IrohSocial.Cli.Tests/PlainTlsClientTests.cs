using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Tests;

/// <summary>
/// A listener must let standard TLS tools inspect its certificate and ALPN, yet refuse anyone without an
/// identity certificate: the TLS 1.3 handshake completes, then the connection is closed without serving anything.
/// </summary>
public sealed class PlainTlsClientTests : IDisposable
{
    private const string IdentityExtensionOid = "2.25.161889638491577530140055471971676911068";
    private readonly TempFolder _temp = new();
    private readonly CancellationTokenSource _stop = new();

    [Fact]
    public async Task PlainTls13Client_WithoutCertificate_CompletesHandshakeThenIsRefused()
    {
        // A plain TLS client speaks TCP: the listener must listen on TCP (auto does too, beside QUIC).
        var listener = CliRun.Start(_temp.Sub("bob"), "", _stop.Token, "listen", "--bind", "127.0.0.1:0", "--json", "--transport", "tcp");
        var first = JsonDocument.Parse(await listener.Out.WaitForLineAsync(_ => true)).RootElement;
        var bind = IPEndPoint.Parse(first.GetProperty("bind").GetString()!);
        var id = first.GetProperty("id").GetString();

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, bind.Port);
        X509Certificate2? serverCertificate = null;
        await using var ssl = new SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "irohsocial",
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [new SslApplicationProtocol(Alpns.DirectMessages)],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                serverCertificate = certificate is null ? null : new X509Certificate2(certificate);
                return true;
            },
        });

        Assert.Equal(SslProtocols.Tls13, ssl.SslProtocol);
        Assert.Equal(Alpns.DirectMessages, ssl.NegotiatedApplicationProtocol.ToString());
        Assert.NotNull(serverCertificate);
        Assert.Contains(serverCertificate.Extensions, e => e.Oid?.Value == IdentityExtensionOid);

        // Refused at the application level: the server closes (close_notify or reset) instead of serving the protocol.
        var buffer = new byte[64];
        int read;
        try
        {
            read = await ssl.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException)
        {
            read = 0;
        }

        Assert.Equal(0, read);
        await _stop.CancelAsync();
        Assert.Equal(ExitCodes.Success, await listener.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain(listener.Out.Lines, l => l.Contains("\"type\":\"message\""));
        Assert.NotNull(id);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _temp.Dispose();
    }
}
