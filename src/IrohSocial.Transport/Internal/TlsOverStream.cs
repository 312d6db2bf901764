using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal.Tcp;

namespace IrohSocial.Transport.Internal;

/// <summary>
/// Mutual TLS 1.3 with identity certificates and ALPN, then the stream multiplexer, over any duplex byte stream: a TCP
/// socket's <see cref="NetworkStream"/> today, a relay's forwarded stream tomorrow. Every path that is "a byte stream"
/// runs this, so TLS, identity checks, limits and refusals behave the same whatever carries the bytes.
/// </summary>
internal static class TlsOverStream
{
    /// <summary>
    /// Dials over <paramref name="transport"/>: TLS as client, the peer must prove <paramref name="expected"/> and accept
    /// <paramref name="alpn"/> and us. Owns <paramref name="transport"/> (disposed on failure). The caller bounds the
    /// time with <paramref name="cancellationToken"/>.
    /// </summary>
    /// <exception cref="TransportException">The handshake failed (mismatch, bad certificate, ALPN, refusal).</exception>
    public static async Task<MuxConnection> ConnectAsync(
        EndpointContext ctx, Stream transport, IPEndPoint remote, ConnectionPath path, EndpointId expected, string alpn, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        MuxConnection? connection = null;
        try
        {
            var verifier = new PeerVerifier(ctx.Time, expected);
            try
            {
                await ssl.AuthenticateAsClientAsync(ctx.ClientOptions(verifier, alpn), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                throw HandshakeError(verifier, alpn, ex);
            }

            if (ssl.NegotiatedApplicationProtocol.ToString() != alpn)
            {
                throw new TransportException(TransportError.AlpnNotSupported, $"The peer does not accept ALPN \"{alpn}\".");
            }

            if (verifier.ProvenId is not { } proven)
            {
                throw new TransportException(TransportError.PeerVerificationFailed, "The peer presented no identity certificate.");
            }

            connection = await MuxConnection.CreateAsync(ctx, ssl, proven, alpn, remote, path, isClient: true, onClosed: null, cancellationToken).ConfigureAwait(false);
            try
            {
                await connection.WaitForSettingsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (TransportException ex) when (ex.Error == TransportError.ConnectionLost)
            {
                throw new TransportException(TransportError.HandshakeFailed, "The peer ended the connection during the handshake (it may have refused our identity).", innerException: ex);
            }

            return connection;
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Accepts over <paramref name="transport"/>: TLS as server within the handshake timeout and the pending-handshake
    /// budget, identity and connection limits. Owns <paramref name="transport"/>. Returns the admitted connection, or
    /// <see langword="null"/> when the handshake failed or the peer was refused (both logged, transport closed).
    /// </summary>
    public static async Task<MuxConnection?> AcceptAsync(EndpointContext ctx, Stream transport, IPEndPoint remote, ConnectionPath path, CancellationToken shutdown)
    {
        using var timeout = new CancellationTokenSource(ctx.Options.HandshakeTimeout, ctx.Time);
        using var evicted = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, evicted.Token, shutdown);
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        var handedOff = false;
        try
        {
            using (ctx.Handshakes.Enter(evicted))
            {
                var (connection, owned) = await HandshakeAsServerAsync(ctx, ssl, remote, path, linked.Token).ConfigureAwait(false);
                handedOff = owned;
                return connection;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Log.HandshakeFailed(ctx.Logger, remote, "handshake timeout");
            ctx.Telemetry.AcceptFailed(path, TransportTelemetry.ErrorTypes.Timeout);
        }
        catch (OperationCanceledException) when (evicted.IsCancellationRequested)
        {
            Log.HandshakeFailed(ctx.Logger, remote, "dropped for a newer handshake (too many pending handshakes)");
            ctx.Telemetry.AcceptFailed(path, TransportTelemetry.ErrorTypes.Evicted);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or SocketException or TransportException)
        {
            Log.HandshakeFailed(ctx.Logger, remote, ex.Message);
            ctx.Telemetry.AcceptFailed(path, TransportTelemetry.ErrorTypes.HandshakeFailed);
        }
        finally
        {
            if (!handedOff)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>TLS handshake, identity and limits; <c>Owned</c> is true once a connection owns <paramref name="ssl"/>.</summary>
    private static async Task<(MuxConnection? Admitted, bool Owned)> HandshakeAsServerAsync(
        EndpointContext ctx, SslStream ssl, IPEndPoint remote, ConnectionPath path, CancellationToken cancellationToken)
    {
        var verifier = new PeerVerifier(ctx.Time, expected: null);

        // A client without a certificate may finish the TLS handshake (standard tools can inspect our certificate
        // and ALPN) but is refused right after it; a client with a bad certificate fails the handshake itself.
        await ssl.AuthenticateAsServerAsync(ctx.ServerOptions(verifier, allowMissingClientCertificate: true), cancellationToken).ConfigureAwait(false);
        if (verifier.ProvenId is not { } id)
        {
            Log.Refused(ctx.Logger, remote, "no identity certificate");
            ctx.Telemetry.AcceptFailed(path, TransportTelemetry.ErrorTypes.Refused);
            await ShutdownQuietlyAsync(ssl).ConfigureAwait(false);
            return (null, false);
        }

        var alpn = ssl.NegotiatedApplicationProtocol.ToString();
        if (alpn.Length == 0)
        {
            Log.Refused(ctx.Logger, remote, "no ALPN");
            ctx.Telemetry.AcceptFailed(path, TransportTelemetry.ErrorTypes.Refused);
            await ShutdownQuietlyAsync(ssl).ConfigureAwait(false);
            return (null, false);
        }

        // A refused peer still gets a multiplexed connection, so it learns why with a typed error instead of a reset.
        var refusal = ctx.Limiter.TryAdmit(id);
        Action? onClosed = refusal is null ? () => ctx.Limiter.Release(id) : null;
        MuxConnection connection;
        try
        {
            connection = await MuxConnection.CreateAsync(ctx, ssl, id, alpn, remote, path, isClient: false, onClosed, cancellationToken, grantStreams: refusal is null).ConfigureAwait(false);
        }
        catch
        {
            if (refusal is null)
            {
                ctx.Limiter.Release(id);
            }

            throw;
        }

        if (refusal is not null)
        {
            Log.Refused(ctx.Logger, remote, refusal);
            ctx.Telemetry.AcceptFailed(path, TransportTelemetry.ErrorTypes.Refused);
            await connection.CloseWithErrorAsync(TransportError.ConnectionLimitExceeded, refusal).ConfigureAwait(false);
            return (null, true);
        }

        // Our TLS handshake can finish before the dialer has checked our identity (.NET validates the server
        // certificate after the TLS exchange), so a dialer that wanted another id hangs up only now. Its first
        // MAX_STREAMS proves it accepted us; until then the connection is not the app's (issue 19: such a
        // connection, handed out and dead a moment later, displaced the dialer's live one in the DM client).
        try
        {
            await connection.WaitForSettingsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return (connection, true);
    }

    private static TransportException HandshakeError(PeerVerifier verifier, string alpn, Exception ex)
    {
        if (verifier.Mismatch)
        {
            return new TransportException(TransportError.EndpointIdMismatch, "The peer proved a different endpoint id than the one dialed.", innerException: ex);
        }

        if (verifier.Result is not (CertificateCheck.Valid or CertificateCheck.Missing))
        {
            return new TransportException(TransportError.PeerVerificationFailed, $"The peer's identity certificate is invalid ({verifier.Result}).", innerException: ex);
        }

        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            // OpenSSL/SChannel report the TLS alert 120 (no_application_protocol) in the message only.
            if (e.Message.Contains("no application protocol", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("no_application_protocol", StringComparison.OrdinalIgnoreCase))
            {
                return new TransportException(TransportError.AlpnNotSupported, $"The peer does not accept ALPN \"{alpn}\".", innerException: ex);
            }
        }

        return new TransportException(TransportError.HandshakeFailed, $"The TLS handshake failed: {ex.Message}", innerException: ex);
    }

    private static async Task ShutdownQuietlyAsync(SslStream ssl)
    {
        try
        {
            await ssl.ShutdownAsync().ConfigureAwait(false); // TLS close_notify
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
        }
    }
}
