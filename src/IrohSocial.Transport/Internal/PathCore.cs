using System.Net;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal;

/// <summary>
/// One way an <see cref="Endpoint"/> reaches peers and is reached by them: QUIC, TCP/TLS, later a relay. The endpoint
/// owns a list of paths; its accept loop serves all of them and a dial races their candidates (<see cref="PathDialer"/>).
/// A path proves the peer's id itself (mutual TLS) before it hands out a connection.
/// </summary>
internal interface IEndpointPath : IAsyncDisposable
{
    /// <summary>What kind of path this is; connections it makes report it as <see cref="Connection.Path"/>.</summary>
    ConnectionPath Kind { get; }

    /// <summary>A short name for logs, e.g. <c>quic 0.0.0.0:4433</c>.</summary>
    string Name { get; }

    /// <summary>The local socket this path listens on, or <see langword="null"/> when it has none (a relay client).</summary>
    IPEndPoint? LocalEndPoint { get; }

    /// <summary>The targets this path can dial to reach <paramref name="addr"/>, in the order to try them (none if it cannot).</summary>
    IReadOnlyList<DialCandidate> CandidatesFor(EndpointAddr addr);

    /// <summary>Dials one candidate; the peer must prove <paramref name="expected"/> and accept <paramref name="alpn"/>.</summary>
    ValueTask<ConnectionCore> ConnectAsync(DialCandidate candidate, EndpointId expected, string alpn, CancellationToken cancellationToken);

    /// <summary>Next inbound connection whose identity is proven.</summary>
    /// <exception cref="TransportException"><see cref="TransportError.EndpointClosed"/> once the path is disposed.</exception>
    ValueTask<ConnectionCore> AcceptAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One dialable target of a path: a direct socket address for QUIC and TCP, a relay URL for a relay path.
/// </summary>
internal sealed record DialCandidate(IPEndPoint? DirectAddress, Uri? RelayUrl = null)
{
    /// <summary>The target, for logs.</summary>
    public override string ToString() => DirectAddress?.ToString() ?? RelayUrl?.ToString() ?? "(none)";

    /// <summary>One candidate per direct address of <paramref name="addr"/>, in its order.</summary>
    public static IReadOnlyList<DialCandidate> Direct(EndpointAddr addr) =>
        addr.DirectAddresses.Select(a => new DialCandidate(a)).ToArray();
}

/// <summary>One authenticated connection of a provider.</summary>
internal abstract class ConnectionCore : IAsyncDisposable
{
    public abstract EndpointId RemoteId { get; }

    public abstract string Alpn { get; }

    public abstract IPEndPoint RemoteAddress { get; }

    public abstract bool IsClient { get; }

    public abstract TransportProvider Provider { get; }

    public abstract ConnectionPath Path { get; }

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
