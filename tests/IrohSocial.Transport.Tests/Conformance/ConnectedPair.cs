namespace IrohSocial.Transport.Tests.Conformance;

/// <summary>Two bound endpoints and the connection between them; disposing closes the client endpoint, then the server's.</summary>
public sealed class ConnectedPair(Endpoint serverEndpoint, Endpoint clientEndpoint, Connection client, Connection server) : IAsyncDisposable
{
    public Endpoint ServerEndpoint { get; } = serverEndpoint;

    public Endpoint ClientEndpoint { get; } = clientEndpoint;

    /// <summary>The client's side of the connection.</summary>
    public Connection Client { get; } = client;

    /// <summary>The server's side (as accepted).</summary>
    public Connection Server { get; } = server;

    public void Deconstruct(out Connection client, out Connection server) => (client, server) = (Client, Server);

    public async ValueTask DisposeAsync()
    {
        await ClientEndpoint.DisposeAsync();
        await ServerEndpoint.DisposeAsync();
    }
}
