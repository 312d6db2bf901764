using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>Routes inbound <c>iroh-social/call/1</c> connections to the call manager's stream router.</summary>
internal sealed class CallProtocolHandler(CallStreamRouter streams) : IProtocolHandler
{
    public Task HandleConnectionAsync(Connection connection, CancellationToken cancellationToken) =>
        streams.ServeConnectionAsync(connection, null, cancellationToken);

    public ValueTask ShutdownAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
