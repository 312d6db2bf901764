using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace IrohSocial.Transport.Tests;

/// <summary>Plain SslStream peers that speak TLS 1.3 but not our protocol: forged identities, inspection tools, garbage.</summary>
internal static class RawPeers
{
    public static async Task<SslStream> ConnectTlsAsync(IPEndPoint server, X509Certificate2? clientCertificate, string alpn)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server, TestContext.Current.CancellationToken);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "",
                EnabledSslProtocols = SslProtocols.Tls13,
                ApplicationProtocols = [new SslApplicationProtocol(alpn)],
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
            TestContext.Current.CancellationToken);
        return ssl;
    }

    /// <summary>Reads until the server ends the connection: true when it closed (EOF or reset).</summary>
    public static async Task<bool> ServerClosesAsync(Stream stream)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, TestContext.Current.CancellationToken) > 0)
            {
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException)
        {
            return true;
        }
    }
}
