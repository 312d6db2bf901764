using System.Collections.Concurrent;
using System.Threading.Channels;

namespace IrohSocial.Transport.Internal;

/// <summary>
/// The bookkeeping every provider endpoint needs: the queue of proven inbound connections waiting for
/// <see cref="IEndpointPath.AcceptAsync"/>, and the set of live connections to close on dispose.
/// Shared so QUIC and TCP/TLS cannot drift apart in how accept and shutdown behave.
/// </summary>
internal sealed class ConnectionRegistry<TConnection>
    where TConnection : ConnectionCore
{
    private readonly Channel<TConnection> _accepted = Channel.CreateUnbounded<TConnection>();
    private readonly ConcurrentDictionary<TConnection, byte> _live = new();

    /// <summary>
    /// Keeps <paramref name="connection"/> in the live set until its <see cref="ConnectionCore.Closed"/> completes, and
    /// counts it as opened (and later closed) on <paramref name="telemetry"/>.
    /// </summary>
    public void Track(TConnection connection, TransportTelemetry telemetry)
    {
        telemetry.Track(connection);
        _live.TryAdd(connection, 0);
        _ = connection.Closed.ContinueWith(
            (closed, s) => ((ConcurrentDictionary<TConnection, byte>)s!).TryRemove(connection, out _),
            _live,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Queues an inbound connection; <see langword="false"/> once accepting has been completed.</summary>
    public bool TryOffer(TConnection connection) => _accepted.Writer.TryWrite(connection);

    /// <summary>Next queued inbound connection.</summary>
    /// <exception cref="TransportException"><see cref="TransportError.EndpointClosed"/> after <see cref="CompleteAccepting"/>.</exception>
    public async ValueTask<ConnectionCore> AcceptAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new TransportException(TransportError.EndpointClosed, "The endpoint was disposed.");
        }
    }

    /// <summary>Stops queueing: later offers fail and waiting accepts end with <see cref="TransportError.EndpointClosed"/>.</summary>
    public void CompleteAccepting() => _accepted.Writer.TryComplete();

    /// <summary>Disposes connections nobody accepted, then closes every live one with <paramref name="close"/>.</summary>
    public async ValueTask DrainAndCloseAllAsync(Func<TConnection, Task> close)
    {
        while (_accepted.Reader.TryRead(out var pending))
        {
            await pending.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_live.Keys.Select(close)).ConfigureAwait(false);
    }
}
