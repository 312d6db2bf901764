namespace IrohSocial.Transport;

/// <summary>Serves one ALPN on connections handed over by a <see cref="Router"/>.</summary>
public interface IProtocolHandler
{
    /// <summary>
    /// Handles one accepted connection (its <see cref="Connection.Alpn"/> is the handler's ALPN). The router closes
    /// the connection when this task completes, so keep it running as long as the connection is in use (for example
    /// <c>await connection.Closed</c>). <paramref name="cancellationToken"/> is cancelled when the router's grace
    /// period ends.
    /// </summary>
    Task HandleConnectionAsync(Connection connection, CancellationToken cancellationToken);

    /// <summary>Called once when the router shuts down, before it waits for running connection handlers.</summary>
    ValueTask ShutdownAsync(CancellationToken cancellationToken);
}
