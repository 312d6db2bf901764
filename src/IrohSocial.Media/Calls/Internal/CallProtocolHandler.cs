using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>Routes inbound <c>iroh-social/call/1</c> connections to the call manager.</summary>
internal sealed class CallProtocolHandler(CallManager manager) : IProtocolHandler
{
    public Task HandleConnectionAsync(Connection connection, CancellationToken cancellationToken) =>
        manager.ServeConnectionAsync(connection, null, cancellationToken);

    public ValueTask ShutdownAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
