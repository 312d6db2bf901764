using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    /// <summary>
    /// The open <c>iroh-social/dm/1</c> connection with <paramref name="peer"/> (dialed or accepted), or null when there
    /// is none right now. For showing the connection path; the client owns the connection: do not close it.
    /// </summary>
    public Connection? GetConnection(EndpointId peer) =>
        _connections.TryGetValue(peer, out var connection) && !connection.Closed.IsCompleted ? connection : null;
}
