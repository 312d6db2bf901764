using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IrohSocial.Transport.Internal.Tcp;
using Nerdbank.Streams;

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

    /// <summary>
    /// Runs a multiplexer on <paramref name="raw"/> that sends only its MAX_STREAMS, as a dialer that accepted the
    /// server does; the server hands the connection out after it. Disposing the multiplexer closes <paramref name="raw"/>.
    /// </summary>
    public static async Task<MultiplexingStream> StartMultiplexerAsync(Stream raw)
    {
        var options = new MultiplexingStream.Options { ProtocolMajorVersion = 3 };
        options.SeededChannels.Add(new MultiplexingStream.ChannelOptions());
        var mux = await MultiplexingStream.CreateAsync(raw, options, TestContext.Current.CancellationToken);
        await SendMaxStreamsAsync(mux.AcceptChannel(0));
        return mux;
    }

    /// <summary>Writes a MAX_STREAMS control message on the control channel.</summary>
    public static async Task SendMaxStreamsAsync(MultiplexingStream.Channel control)
    {
        await control.Output.WriteAsync(new ControlMessage(ControlType.MaxStreams, 100).Encode(), TestContext.Current.CancellationToken);
        await control.Output.FlushAsync(TestContext.Current.CancellationToken);
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
