using System.Net;

namespace IrohSocial.Transport;

/// <summary>Network changes: the endpoint's part (see <see cref="INetworkMonitor"/>).</summary>
public sealed partial class Endpoint
{
    private readonly INetworkMonitor? _network;
    private readonly bool _ownsNetwork;
    private EndpointAddr _addr;

    /// <summary>
    /// Raised, on a thread-pool thread, after the network changed (see <see cref="EndpointOptions.NetworkMonitor"/>):
    /// <see cref="Addr"/> is already refreshed; the relay registrations are being renewed and the local discovery is
    /// being told (it re-announces the new addresses at once, see <see cref="ILocalDiscovery.RenewAsync"/>). Connections
    /// opened before may be dead without knowing it: <c>DmClient</c> drops its connections and redials (and renews its
    /// mailbox watch), <c>MailboxClient</c> drops its connection, and calls restore their legs.
    /// </summary>
    public event EventHandler<NetworkChangedEventArgs>? NetworkChanged;

    private IPEndPoint[] DirectAddressesNow() => _network is null
        ? SystemNetworkMonitor.DialableAddresses(LocalEndPoint)
        : [.. _network.GetDirectAddresses(LocalEndPoint).Take(Internal.TicketCodec.MaxAddresses)];

    private void OnNetworkChanged(object? sender, EventArgs e)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _ = Task.Run(HandleNetworkChange);
        }
    }

    /// <summary>
    /// Refreshes <see cref="Addr"/>, renews the relay registrations at once (no backoff), tells the local discovery and
    /// raises <see cref="NetworkChanged"/>.
    /// </summary>
    internal void HandleNetworkChange()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        var before = Addr;
        var direct = DirectAddressesNow();
        var changed = !before.DirectAddresses.SequenceEqual(direct);
        if (changed)
        {
            Volatile.Write(ref _addr, before with { DirectAddresses = direct });
        }

        Internal.Log.NetworkChanged(_ctx.Logger, string.Join(", ", direct.Select(a => a.ToString())), changed ? "changed" : "unchanged");
        RelayPath?.RenewRegistrations();
        if (LocalDiscovery is { } discovery)
        {
            _ = Task.Run(() => RenewDiscoveryAsync(discovery)); // listing interfaces must not delay NetworkChanged
        }

        try
        {
            NetworkChanged?.Invoke(this, new NetworkChangedEventArgs(Addr, changed));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A subscriber's bug must not take the process down from a thread-pool thread.
            Internal.Log.NetworkChangedHandlerFailed(_ctx.Logger, ex);
        }
    }

    private async Task RenewDiscoveryAsync(ILocalDiscovery discovery)
    {
        try
        {
            // The address as it is now: after two quick changes, the later one's.
            await discovery.RenewAsync(Addr, _shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && _shutdown.IsCancellationRequested)
        {
            // closing
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Discovery is best effort; a failing one must not stop the rest of the recovery.
            Internal.Log.LocalDiscoveryRenewFailed(_ctx.Logger, ex);
        }
    }

    private void StopWatchingNetwork()
    {
        if (_network is null)
        {
            return;
        }

        _network.Changed -= OnNetworkChanged;
        if (_ownsNetwork && _network is IDisposable owned)
        {
            owned.Dispose();
        }
    }
}
