namespace IrohSocial.Transport;

/// <summary>What <see cref="Endpoint.NetworkChanged"/> reports.</summary>
public sealed class NetworkChangedEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="addr">The endpoint's address after the change.</param>
    /// <param name="addressChanged">Whether its direct addresses differ from before the change.</param>
    public NetworkChangedEventArgs(EndpointAddr addr, bool addressChanged)
    {
        ArgumentNullException.ThrowIfNull(addr);
        Addr = addr;
        AddressChanged = addressChanged;
    }

    /// <summary>The endpoint's address after the change (the same as <see cref="Endpoint.Addr"/> at the time).</summary>
    public EndpointAddr Addr { get; }

    /// <summary>Whether the direct addresses changed: contacts should be told (<c>DmClient</c> does so by itself).</summary>
    public bool AddressChanged { get; }
}
