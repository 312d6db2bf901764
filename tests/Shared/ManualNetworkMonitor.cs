using System.Net;
using IrohSocial.Transport;

namespace IrohSocial.Testing;

/// <summary>
/// A network a test controls: it reports the addresses the test sets (the bound address until then) and raises a
/// change when told, standing in for the OS (an interface gone, another one up).
/// </summary>
public sealed class ManualNetworkMonitor : INetworkMonitor
{
    private IReadOnlyList<IPEndPoint>? _addresses;

    /// <inheritdoc />
    public event EventHandler? Changed;

    /// <inheritdoc />
    public IReadOnlyList<IPEndPoint> GetDirectAddresses(IPEndPoint localEndPoint) => Volatile.Read(ref _addresses) ?? [localEndPoint];

    /// <summary>The network changed: from now on the endpoint is reached at <paramref name="addresses"/> (null: unchanged).</summary>
    public void Change(params IPEndPoint[]? addresses)
    {
        if (addresses is { Length: > 0 })
        {
            Volatile.Write(ref _addresses, addresses);
        }

        Changed?.Invoke(this, EventArgs.Empty);
    }
}
