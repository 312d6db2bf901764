using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal;
using IrohSocial.Transport.Internal.Quic;
using IrohSocial.Transport.Internal.Tcp;

namespace IrohSocial.Transport;

/// <summary>
/// A local endpoint: an ed25519 identity bound to a socket. It dials peers by <see cref="EndpointAddr"/> and accepts
/// connections whose identity is proven by mutual TLS 1.3. Create with <see cref="BindAsync"/>; dispose to close
/// the listener and every connection.
/// </summary>
public sealed class Endpoint : IAsyncDisposable
{
    private readonly EndpointContext _ctx;
    private readonly ProviderEndpoint _provider;
    private int _disposed;

    private Endpoint(EndpointContext ctx, ProviderEndpoint provider)
    {
        _ctx = ctx;
        _provider = provider;
        Id = ctx.Id;
        Addr = new EndpointAddr(Id, DialableAddresses(provider.LocalEndPoint));
    }

    /// <summary>This endpoint's identity (the public key of <see cref="EndpointOptions.SecretKey"/>).</summary>
    public EndpointId Id { get; }

    /// <summary>How peers reach this endpoint (share it with <see cref="EndpointAddr.ToTicket"/>).</summary>
    public EndpointAddr Addr { get; }

    /// <summary>The network stack in use (never <see cref="TransportProvider.Auto"/>).</summary>
    public TransportProvider Provider => _provider.Kind;

    /// <summary>The ALPNs this endpoint accepts.</summary>
    public IReadOnlyList<string> Alpns => _ctx.Alpns;

    /// <summary>The bound local socket address.</summary>
    public IPEndPoint LocalEndPoint => _provider.LocalEndPoint;

    internal EndpointContext Context => _ctx;

    /// <summary>Binds a new endpoint. Port 0 picks a free port.</summary>
    /// <exception cref="PlatformNotSupportedException"><see cref="TransportProvider.Quic"/> was forced and QUIC is not supported here.</exception>
    public static ValueTask<Endpoint> BindAsync(EndpointOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        return BindCoreAsync(options, cancellationToken);
    }

    private static async ValueTask<Endpoint> BindCoreAsync(EndpointOptions options, CancellationToken cancellationToken)
    {
        var ctx = new EndpointContext(options);
        try
        {
            var quicSupported = QuicSupport.IsSupported;
            var (kind, reason) = options.Provider switch
            {
                TransportProvider.Quic when !quicSupported => throw new PlatformNotSupportedException(
                    "QUIC was requested but System.Net.Quic is not supported here (libmsquic is missing); use TransportProvider.TcpTls or Auto."),
                TransportProvider.Quic => (TransportProvider.Quic, "forced by options"),
                TransportProvider.TcpTls => (TransportProvider.TcpTls, "forced by options"),
                _ when quicSupported => (TransportProvider.Quic, "QUIC is supported here"),
                _ => (TransportProvider.TcpTls, "QUIC is not supported here (no libmsquic); falling back to TLS 1.3 over TCP"),
            };
            ProviderEndpoint provider = kind == TransportProvider.Quic
                ? await QuicSupport.BindAsync(ctx, cancellationToken).ConfigureAwait(false)
                : TcpEndpoint.Bind(ctx);
            Log.Bound(ctx.Logger, ctx.Id.ToShortString(), provider.LocalEndPoint, kind, reason);
            return new Endpoint(ctx, provider);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Dials <paramref name="addr"/> (its direct addresses in order) and negotiates <paramref name="alpn"/>. Succeeds
    /// only if the peer proves <see cref="EndpointAddr.Id"/> and accepts the ALPN and this endpoint.
    /// </summary>
    /// <exception cref="TransportException">
    /// <see cref="TransportError.ConnectionRefused"/>, <see cref="TransportError.HandshakeTimeout"/>,
    /// <see cref="TransportError.EndpointIdMismatch"/>, <see cref="TransportError.PeerVerificationFailed"/>,
    /// <see cref="TransportError.AlpnNotSupported"/>, <see cref="TransportError.HandshakeFailed"/>,
    /// <see cref="TransportError.ConnectionLimitExceeded"/>.
    /// </exception>
    public async ValueTask<Connection> ConnectAsync(EndpointAddr addr, string alpn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addr);
        ArgumentNullException.ThrowIfNull(addr.DirectAddresses);
        EndpointOptions.ValidateAlpn(alpn, nameof(alpn));
        ThrowIfDisposed();
        if (addr.DirectAddresses.Count == 0)
        {
            throw new TransportException(TransportError.ConnectionRefused, $"No direct address is known for {addr.Id.ToShortString()}.");
        }

        TransportException? last = null;
        foreach (var address in addr.DirectAddresses)
        {
            try
            {
                var core = await _provider.ConnectAsync(address, addr.Id, alpn, cancellationToken).ConfigureAwait(false);
                return new Connection(core);
            }
            catch (TransportException ex) when (ex.Error is TransportError.ConnectionRefused or TransportError.HandshakeTimeout or TransportError.ConnectionLost)
            {
                Log.DialAttemptFailed(_ctx.Logger, address, ex.Message);
                last = ex;
            }
        }

        throw last!;
    }

    /// <summary>Waits for the next inbound connection whose identity is proven (the <see cref="Router"/> calls this).</summary>
    /// <exception cref="TransportException"><see cref="TransportError.EndpointClosed"/> once the endpoint is disposed.</exception>
    public async ValueTask<Connection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var core = await _provider.AcceptAsync(cancellationToken).ConfigureAwait(false);
        return new Connection(core);
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _provider.DisposeAsync().ConfigureAwait(false);
        _ctx.Dispose();
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new TransportException(TransportError.EndpointClosed, "The endpoint was disposed.");
        }
    }

    // A wildcard bind is reachable on every local address of its family; list them so the ticket is dialable.
    private static IPEndPoint[] DialableAddresses(IPEndPoint local)
    {
        if (!local.Address.Equals(IPAddress.Any) && !local.Address.Equals(IPAddress.IPv6Any))
        {
            return [local];
        }

        var families = local.Address.Equals(IPAddress.Any)
            ? new[] { AddressFamily.InterNetwork }
            : new[] { AddressFamily.InterNetworkV6, AddressFamily.InterNetwork };
        var result = new List<IPEndPoint>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up)
                {
                    continue;
                }

                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    var ip = unicast.Address;
                    // ScopeId throws for IPv4; a scoped IPv6 address (link-local) is useless to a remote peer
                    if (families.Contains(ip.AddressFamily) && (ip.AddressFamily == AddressFamily.InterNetwork || (!ip.IsIPv6LinkLocal && ip.ScopeId == 0)))
                    {
                        result.Add(new IPEndPoint(ip, local.Port));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is NetworkInformationException or SocketException or PlatformNotSupportedException)
        {
            // some sandboxes forbid interface enumeration; fall back to loopback below
        }

        if (result.Count == 0)
        {
            result.Add(new IPEndPoint(local.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, local.Port));
        }

        // Non-loopback first: a ticket is usually for another machine.
        return result.OrderBy(e => IPAddress.IsLoopback(e.Address) ? 1 : 0).Take(TicketCodec.MaxAddresses).ToArray();
    }
}
