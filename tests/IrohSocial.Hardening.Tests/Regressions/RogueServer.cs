using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Hardening.Tests.Regressions;

/// <summary>
/// A TLS server with a genuine identity certificate (made by the transport's own IdentityCertificate, bound by
/// reflection because it is internal) that, after the handshake, sends <see cref="AfterHandshake"/> bytes instead of
/// speaking the multiplexing protocol, then closes. Models a malicious or broken peer behind a valid identity.
/// </summary>
internal sealed class RogueServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly SecretKey _key = SecretKey.Generate();
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RogueServer(byte[] afterHandshake)
    {
        AfterHandshake = afterHandshake;
        var create = typeof(EndpointAddr).Assembly.GetType("IrohSocial.Transport.Internal.IdentityCertificate", throwOnError: true)!
            .GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(SecretKey), typeof(DateTimeOffset)])!;
        _certificate = (X509Certificate2)create.Invoke(null, [_key, DateTimeOffset.UtcNow])!;
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public byte[] AfterHandshake { get; }

    public EndpointAddr Addr => new(_key.PublicKey, [(IPEndPoint)_listener.LocalEndpoint]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _certificate.Dispose();
        _key.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await ssl.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(_certificate, additionalCertificates: null, offline: true),
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ApplicationProtocols = [new SslApplicationProtocol(Alpns.DirectMessages)],
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                },
                _stop.Token);
            await ssl.WriteAsync(AfterHandshake, _stop.Token);
            await ssl.FlushAsync(_stop.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
