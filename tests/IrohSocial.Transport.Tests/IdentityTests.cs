using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal;

namespace IrohSocial.Transport.Tests;

public sealed class IdentityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Certificate_ProvesItsIdentity()
    {
        using var key = SecretKey.Generate();
        using var cert = IdentityCertificate.Create(key, DateTimeOffset.UtcNow);
        Assert.Equal(CertificateCheck.Valid, IdentityCertificate.Verify(cert, DateTimeOffset.UtcNow, out var id));
        Assert.Equal(key.PublicKey, id);
        Assert.Equal("ECC", cert.PublicKey.Oid.FriendlyName);
        Assert.Equal(IdentityCertificate.ExtensionOid, cert.Extensions.Single(e => e.Oid!.Value == IdentityCertificate.ExtensionOid).Oid!.Value);
        Assert.Equal(CertificateCheck.NotValidNow, IdentityCertificate.Verify(cert, DateTimeOffset.UtcNow.AddYears(2), out _));
    }

    [Fact]
    public void Certificate_WithBadSignatureOrMismatchedKey_IsRejected()
    {
        using var key = SecretKey.Generate();
        using var other = SecretKey.Generate();
        var now = DateTimeOffset.UtcNow;
        using var badSignature = IdentityCertificate.Create(key, now, (_, _) => new byte[64], key.PublicKey);
        using var mismatched = IdentityCertificate.Create(key, now, (spki, k) => k.Sign(IdentityCertificate.SignedBytes(spki)), other.PublicKey);
        using var otherSpki = IdentityCertificate.Create(key, now, (_, k) => k.Sign(IdentityCertificate.SignedBytes(new byte[91])), key.PublicKey);
        using var unprefixed = IdentityCertificate.Create(key, now, (spki, k) => k.Sign(spki), key.PublicKey);
        Assert.Equal(CertificateCheck.BadIdentitySignature, IdentityCertificate.Verify(badSignature, now, out _));
        Assert.Equal(CertificateCheck.BadIdentitySignature, IdentityCertificate.Verify(mismatched, now, out _));
        Assert.Equal(CertificateCheck.BadIdentitySignature, IdentityCertificate.Verify(otherSpki, now, out _));
        Assert.Equal(CertificateCheck.BadIdentitySignature, IdentityCertificate.Verify(unprefixed, now, out _));
    }

    [Fact]
    public void Certificate_WithoutExtensionOrGarbage_IsRejected()
    {
        using var ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var plain = new CertificateRequest("CN=plain", ecdsa, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(CertificateCheck.MissingExtension, IdentityCertificate.Verify(plain, DateTimeOffset.UtcNow, out _));
        Assert.Equal(CertificateCheck.Missing, IdentityCertificate.Verify(null, DateTimeOffset.UtcNow, out _));
        Assert.Equal(CertificateCheck.Malformed, IdentityCertificate.VerifyDerSafe([0x30, 0x03, 0x02, 0x01, 0x01]));
    }

    [Fact]
    public async Task Dial_ServerWithForgedCertificate_FailsVerification()
    {
        using var key = SecretKey.Generate();
        using var forged = IdentityCertificate.Create(key, DateTimeOffset.UtcNow, (_, _) => new byte[64], key.PublicKey);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(Ct);
            await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false));
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = forged,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ApplicationProtocols = [new SslApplicationProtocol(TestEndpoints.TestAlpn)],
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }, Ct);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
            }
        }, Ct);

        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var addr = new EndpointAddr(key.PublicKey, [(IPEndPoint)listener.LocalEndpoint]);
        var error = await Assert.ThrowsAsync<TransportException>(async () => await client.ConnectAsync(addr, TestEndpoints.TestAlpn, Ct));
        Assert.Equal(TransportError.PeerVerificationFailed, error.Error);
        await serve;
    }

    [Fact]
    public async Task Accept_ClientWithForgedCertificate_IsRefused()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        using var key = SecretKey.Generate();
        using var other = SecretKey.Generate();
        using var forged = IdentityCertificate.Create(key, DateTimeOffset.UtcNow, (spki, k) => k.Sign(IdentityCertificate.SignedBytes(spki)), other.PublicKey);
        var accept = server.AcceptAsync(Ct).AsTask();

        try
        {
            await using var raw = await RawPeers.ConnectTlsAsync(server.LocalEndPoint, forged, TestEndpoints.TestAlpn);
            Assert.True(await RawPeers.ServerClosesAsync(raw));
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            // refused during the handshake itself
        }

        // The next accepted connection is the honest one: the forged peer never reached AcceptAsync.
        await using var honest = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var connection = await honest.ConnectAsync(server.Addr, TestEndpoints.TestAlpn, Ct);
        await using var accepted = await accept.WaitAsync(Ct);
        Assert.Equal(honest.Id, accepted.RemoteId);
    }

    [Fact]
    public async Task PlainTlsClient_SeesCertificateAndAlpn_ButIsRefused()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var accept = server.AcceptAsync(Ct).AsTask();

        await using (var plain = await RawPeers.ConnectTlsAsync(server.LocalEndPoint, clientCertificate: null, Alpns.DirectMessages))
        {
            Assert.Equal(SslProtocols.Tls13, plain.SslProtocol);
            Assert.Equal(Alpns.DirectMessages, plain.NegotiatedApplicationProtocol.ToString());
            Assert.Equal(CertificateCheck.Valid, IdentityCertificate.Verify(plain.RemoteCertificate, DateTimeOffset.UtcNow, out var shown));
            Assert.Equal(server.Id, shown);
            Assert.True(await RawPeers.ServerClosesAsync(plain));
        }

        await using var honest = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var connection = await honest.ConnectAsync(server.Addr, Alpns.DirectMessages, Ct);
        await using var accepted = await accept.WaitAsync(Ct);
        Assert.Equal(honest.Id, accepted.RemoteId);
    }
}
