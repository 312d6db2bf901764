using System.Net;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal;

/// <summary>A network stack behind <see cref="Endpoint"/>: QUIC or TCP/TLS.</summary>
internal abstract class ProviderEndpoint : IAsyncDisposable
{
    public abstract TransportProvider Kind { get; }

    public abstract IPEndPoint LocalEndPoint { get; }

    /// <summary>Dials one address; the peer must prove <paramref name="expected"/>.</summary>
    public abstract ValueTask<ConnectionCore> ConnectAsync(IPEndPoint remote, EndpointId expected, string alpn, CancellationToken cancellationToken);

    /// <summary>Next inbound connection whose identity is proven.</summary>
    public abstract ValueTask<ConnectionCore> AcceptAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}

/// <summary>One authenticated connection of a provider.</summary>
internal abstract class ConnectionCore : IAsyncDisposable
{
    public abstract EndpointId RemoteId { get; }

    public abstract string Alpn { get; }

    public abstract IPEndPoint RemoteAddress { get; }

    public abstract bool IsClient { get; }

    public abstract TransportProvider Provider { get; }

    public abstract Task Closed { get; }

    public abstract ValueTask<StreamCore> OpenStreamAsync(bool bidirectional, CancellationToken cancellationToken);

    public abstract ValueTask<StreamCore> AcceptStreamAsync(CancellationToken cancellationToken);

    public abstract ValueTask CloseAsync(long errorCode, string reason, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}

/// <summary>One stream of a provider connection.</summary>
internal abstract class StreamCore : IAsyncDisposable
{
    public abstract long Id { get; }

    public abstract bool IsBidirectional { get; }

    public abstract bool CanRead { get; }

    public abstract bool CanWrite { get; }

    public abstract ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, bool completeWrites, CancellationToken cancellationToken);

    public abstract ValueTask FlushAsync(CancellationToken cancellationToken);

    public abstract void CompleteWrites();

    public abstract void Abort(long errorCode);

    public abstract ValueTask DisposeAsync();
}
