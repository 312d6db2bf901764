using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Relay;

/// <summary>
/// One identity's client of one relay: opens WebSockets, answers the relay's challenge with a signed hello and
/// turns a dialed or accepted socket into a duplex <see cref="Stream"/> (docs/protocol.md section 10).
/// </summary>
internal sealed class RelayClient
{
    private readonly SecretKey _identity;
    private readonly TimeSpan _handshakeTimeout;
    private readonly TimeProvider _time;

    public RelayClient(SecretKey identity, RelayAddress relay, TimeSpan handshakeTimeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(relay);
        _identity = identity;
        Relay = relay;
        _handshakeTimeout = handshakeTimeout;
        _time = time;
    }

    public RelayAddress Relay { get; }

    /// <summary>Interval of WebSocket pings on registration and session sockets.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Local address the sockets bind to (tests use other loopback addresses to act as other hosts); null lets the OS choose.</summary>
    internal IPAddress? LocalAddress { get; init; }

    /// <summary>Tests replace the hello (forged signatures, another relay's id, replays); null signs honestly.</summary>
    internal Func<EndpointId, byte[], RelayRequest, byte[], byte[]>? HelloOverride { get; init; }

    /// <summary>Asks the relay for a session with <paramref name="target"/>; returns the spliced byte stream.</summary>
    /// <exception cref="TransportException"><see cref="TransportError.PeerNotFound"/> when the target is not registered,
    /// <see cref="TransportError.RelayRefused"/> for other refusals, <see cref="TransportError.ConnectionRefused"/> when the relay cannot be reached.</exception>
    public async Task<RelayedStream> DialAsync(EndpointId target, CancellationToken cancellationToken)
    {
        var socket = await OpenAsync(RelayRequest.Dial, target.ToArray(), cancellationToken).ConfigureAwait(false);
        return await ExpectConnectedAsync(socket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers an incoming dial with a second socket; returns the spliced byte stream.</summary>
    public async Task<RelayedStream> AcceptAsync(RelayIncoming incoming, CancellationToken cancellationToken)
    {
        var socket = await OpenAsync(RelayRequest.Accept, incoming.Token, cancellationToken).ConfigureAwait(false);
        return await ExpectConnectedAsync(socket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers this identity; the returned registration yields incoming dials until it ends.</summary>
    public async Task<RelayRegistrationSocket> RegisterAsync(CancellationToken cancellationToken)
    {
        var socket = await OpenAsync(RelayRequest.Register, [], cancellationToken).ConfigureAwait(false);
        try
        {
            using var timeout = HandshakeToken(cancellationToken, out var token);
            var frame = await ReadControlAsync(socket, token).ConfigureAwait(false);
            if (frame.Length == 1 && frame[0] == (byte)RelayFrameType.Registered)
            {
                return new RelayRegistrationSocket(socket);
            }

            throw RefusalOrViolation(frame);
        }
        catch
        {
            socket.Abort();
            socket.Dispose();
            throw;
        }
    }

    private async Task<RelayedStream> ExpectConnectedAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            var frame = await ReadControlAsync(socket, cancellationToken).ConfigureAwait(false);
            if (frame.Length == 1 + EndpointId.Size && frame[0] == (byte)RelayFrameType.Connected)
            {
                return new RelayedStream(socket, new EndpointId(frame.AsSpan(1)));
            }

            throw RefusalOrViolation(frame);
        }
        catch
        {
            socket.Abort();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects, checks the relay's identity and sends the signed hello for <paramref name="request"/>.</summary>
    private async Task<ClientWebSocket> OpenAsync(RelayRequest request, byte[] body, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = KeepAliveInterval;
        socket.Options.KeepAliveTimeout = KeepAliveInterval * 2;
        socket.Options.CollectHttpResponseDetails = true;
        HttpMessageInvoker? invoker = null;
        if (LocalAddress is { } local)
        {
            // ClientWebSocket cannot bind a local address itself; a handler with a connect callback can.
            var handler = new SocketsHttpHandler { ConnectCallback = (context, token) => ConnectFromAsync(local, context.DnsEndPoint, token) };
            if (!Relay.IsPlainText)
            {
                handler.SslOptions.RemoteCertificateValidationCallback = CheckRelayCertificate;
            }

            invoker = new HttpMessageInvoker(handler);
        }
        else if (!Relay.IsPlainText)
        {
            socket.Options.RemoteCertificateValidationCallback = CheckRelayCertificate;
        }

        try
        {
            using var timeout = HandshakeToken(cancellationToken, out var token);
            try
            {
                await socket.ConnectAsync(Relay.WebSocketUri, invoker, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException)
            {
                var status = socket.HttpStatusCode;
                throw status == HttpStatusCode.TooManyRequests
                    ? new TransportException(TransportError.RelayRefused, "The relay refused the socket: too many sockets from this address.", (long)RelayRefusal.TooManySockets, ex)
                    : new TransportException(TransportError.ConnectionRefused, $"Could not reach the relay {Relay.Url}: {ex.Message}", innerException: ex);
            }

            var challengeFrame = await ReadControlAsync(socket, token).ConfigureAwait(false);
            if (!RelayProtocol.TryDecodeChallenge(challengeFrame, out var relayId, out var challenge))
            {
                throw RefusalOrViolation(challengeFrame);
            }

            if (relayId != Relay.Id)
            {
                throw new TransportException(TransportError.EndpointIdMismatch, $"The relay at {Relay.Url} claims id {relayId.ToShortString()}, not the pinned {Relay.Id.ToShortString()}.");
            }

            var hello = HelloOverride is { } forge
                ? forge(relayId, challenge, request, body)
                : RelayProtocol.EncodeHello(_identity, relayId, challenge, request, body);
            await socket.SendAsync(hello, WebSocketMessageType.Binary, endOfMessage: true, token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Abort();
            socket.Dispose();
            throw new TransportException(TransportError.HandshakeTimeout, $"The relay {Relay.Url} did not answer within {_handshakeTimeout}.");
        }
        catch
        {
            socket.Abort();
            socket.Dispose();
            throw;
        }
    }

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress local, DnsEndPoint remote, CancellationToken cancellationToken)
    {
        var socket = new System.Net.Sockets.Socket(local.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The relay must present the identity certificate of the pinned id, or a CA certificate valid for its name.</summary>
    private bool CheckRelayCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        (IdentityCertificate.Verify(certificate, _time.GetUtcNow(), out var proven) == CertificateCheck.Valid && proven == Relay.Id)
        || errors == SslPolicyErrors.None;

    private CancellationTokenSource HandshakeToken(CancellationToken cancellationToken, out CancellationToken token)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linked.CancelAfter(_handshakeTimeout);
        token = linked.Token;
        return linked;
    }

    /// <summary>Reads one whole control frame (at most <see cref="RelayProtocol.MaxControlFrame"/> bytes).</summary>
    internal static async Task<byte[]> ReadControlAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[RelayProtocol.MaxControlFrame];
        var length = 0;
        while (true)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException ex)
            {
                throw new TransportException(TransportError.ConnectionLost, $"The relay connection failed: {ex.Message}", innerException: ex);
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new TransportException(TransportError.ConnectionLost, $"The relay closed the socket ({socket.CloseStatus}: {socket.CloseStatusDescription}).");
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return buffer[..length];
            }

            if (length == buffer.Length)
            {
                throw new TransportException(TransportError.ProtocolViolation, "The relay sent an oversized control frame.");
            }
        }
    }

    internal static TransportException RefusalOrViolation(byte[] frame)
    {
        if (RelayProtocol.TryDecodeRefused(frame, out var reason, out var text))
        {
            return reason == RelayRefusal.NotFound
                ? new TransportException(TransportError.PeerNotFound, $"The relay does not know the peer: {text}", (long)reason)
                : new TransportException(TransportError.RelayRefused, $"The relay refused: {reason} ({text}).", (long)reason);
        }

        return new TransportException(TransportError.ProtocolViolation, $"Unexpected relay frame type 0x{(frame.Length > 0 ? frame[0] : 0):x2}.");
    }
}

/// <summary>A dial the relay announced on a registration socket.</summary>
internal sealed record RelayIncoming(EndpointId Dialer, byte[] Token);
