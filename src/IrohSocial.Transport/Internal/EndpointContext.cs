using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IrohSocial.Crypto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Transport.Internal;

/// <summary>What every provider needs from the endpoint: options, identity certificate, limits, logging.</summary>
internal sealed class EndpointContext : IDisposable
{
    public EndpointContext(EndpointOptions options)
    {
        Options = options;
        Id = options.SecretKey.PublicKey;
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger("IrohSocial.Transport");
        Certificate = IdentityCertificate.Create(options.SecretKey, options.TimeProvider.GetUtcNow());
        CertificateContext = SslStreamCertificateContext.Create(Certificate, additionalCertificates: null, offline: true);
        Alpns = options.Alpns.Distinct(StringComparer.Ordinal).ToArray();
        Limiter = new ConnectionLimiter(options.MaxConnections, options.MaxConnectionsPerPeer);
        Handshakes = new PendingHandshakes(options.MaxPendingHandshakes);
        Telemetry = new TransportTelemetry(options.MeterFactory);
    }

    public EndpointOptions Options { get; }

    public EndpointId Id { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ILogger Logger { get; }

    public X509Certificate2 Certificate { get; }

    public SslStreamCertificateContext CertificateContext { get; }

    public IReadOnlyList<string> Alpns { get; }

    public ConnectionLimiter Limiter { get; }

    public PendingHandshakes Handshakes { get; }

    /// <summary>The endpoint's meter and instruments.</summary>
    public TransportTelemetry Telemetry { get; }

    public TimeProvider Time => Options.TimeProvider;

    /// <summary>TLS settings for accepting: TLS 1.3 only, client certificate requested, identity checked by <paramref name="verifier"/>.</summary>
    public SslServerAuthenticationOptions ServerOptions(PeerVerifier verifier, bool allowMissingClientCertificate) => new()
    {
        ServerCertificateContext = CertificateContext,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls13,
        ApplicationProtocols = Alpns.Select(a => new SslApplicationProtocol(a)).ToList(),
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        CertificateChainPolicy = NoDownloadsPolicy(),
        RemoteCertificateValidationCallback = (_, certificate, _, _) => verifier.Check(certificate, allowMissingClientCertificate),
    };

    /// <summary>TLS settings for dialing: TLS 1.3 only, our identity certificate, exactly one ALPN.</summary>
    public SslClientAuthenticationOptions ClientOptions(PeerVerifier verifier, string alpn) => new()
    {
        TargetHost = "",
        ClientCertificateContext = CertificateContext,
        EnabledSslProtocols = SslProtocols.Tls13,
        ApplicationProtocols = [new SslApplicationProtocol(alpn)],
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        CertificateChainPolicy = NoDownloadsPolicy(),
        RemoteCertificateValidationCallback = (_, certificate, _, _) => verifier.Check(certificate, allowMissing: false),
    };

    // Identity comes from our extension, not from a CA: never fetch intermediates or revocation data.
    private static X509ChainPolicy NoDownloadsPolicy() => new()
    {
        RevocationMode = X509RevocationMode.NoCheck,
        DisableCertificateDownloads = true,
        TrustMode = X509ChainTrustMode.CustomRootTrust,
    };

    public void Dispose()
    {
        Certificate.Dispose();
        Telemetry.Dispose();
    }
}

/// <summary>Runs the identity check inside the TLS validation callback and remembers the outcome for error reporting.</summary>
internal sealed class PeerVerifier(TimeProvider time, EndpointId? expected)
{
    public CertificateCheck Result { get; private set; } = CertificateCheck.Missing;

    public EndpointId? ProvenId { get; private set; }

    public bool Mismatch { get; private set; }

    public bool Check(X509Certificate? certificate, bool allowMissing)
    {
        if (certificate is null)
        {
            Result = CertificateCheck.Missing;
            return allowMissing;
        }

        Result = IdentityCertificate.Verify(certificate, time.GetUtcNow(), out var id);
        if (Result != CertificateCheck.Valid)
        {
            return false;
        }

        if (expected is { } wanted && wanted != id)
        {
            Mismatch = true;
            return false;
        }

        ProvenId = id;
        return true;
    }
}
