using System.Net;
using IrohSocial.Transport;

namespace IrohSocial.Hardening.Tests.Faults;

/// <summary>A network path to a node: a TCP fault proxy for TLS over TCP, a UDP one for QUIC, driven the same way.</summary>
internal sealed class NetworkPath : IAsyncDisposable
{
    private readonly FaultProxy? _tcp;
    private readonly UdpFaultProxy? _udp;
    private readonly long? _queueLimitBytes;

    private NetworkPath(FaultProxy? tcp, UdpFaultProxy? udp, long? queueLimitBytes) => (_tcp, _udp, _queueLimitBytes) = (tcp, udp, queueLimitBytes);

    public IPEndPoint EndPoint => _tcp?.EndPoint ?? _udp!.EndPoint;

    /// <summary>What went through: connections accepted (TCP), datagrams forwarded (UDP).</summary>
    public long Carried => _tcp is not null ? _tcp.AcceptedConnections : _udp!.DatagramsForwarded;

    /// <summary>The most bytes that waited in the path's queue at once.</summary>
    public long MaxQueuedBytes => _tcp?.MaxQueuedBytes ?? _udp!.MaxQueuedBytes;

    /// <summary>
    /// A path that is not up yet refuses TCP connections; UDP has no refusal, so its datagrams vanish. With a queue limit
    /// the path is one bottleneck link (its TCP connections share it, flow-queued) whose queue holds at most that much
    /// once <see cref="Throttle"/>d.
    /// </summary>
    public static NetworkPath Start(TransportProvider provider, IPEndPoint target, bool up = true, long? queueLimitBytes = null) =>
        provider == TransportProvider.Quic
            ? new NetworkPath(null, UdpFaultProxy.Start(target, up ? UdpFaultPlan.None : UdpFaultPlan.None with { BlackHole = true }), queueLimitBytes)
            : new NetworkPath(FaultProxy.Start(target, (up ? FaultPlan.None : FaultPlan.None with { Refuse = true }) with
            {
                QueueLimitBytes = queueLimitBytes, SharedLink = queueLimitBytes is not null,
            }), null, queueLimitBytes);

    /// <summary>Caps the path's rate (its queue limited as given at start).</summary>
    public void Throttle(long bytesPerSecond)
    {
        if (_tcp is not null)
        {
            _tcp.Plan = _tcp.Plan with { BytesPerSecond = bytesPerSecond };
        }
        else
        {
            _udp!.Plan = new UdpFaultPlan { BytesPerSecond = bytesPerSecond, QueueLimitBytes = _queueLimitBytes };
        }
    }

    /// <summary>Lifts <see cref="Throttle"/>.</summary>
    public void Unthrottle()
    {
        if (_tcp is not null)
        {
            _tcp.Plan = _tcp.Plan with { BytesPerSecond = null };
        }
        else
        {
            _udp!.Plan = UdpFaultPlan.None;
        }
    }

    /// <summary>Everything sent either way vanishes: no FIN, no RST, no ICMP.</summary>
    public void BlackHole()
    {
        if (_tcp is not null)
        {
            _tcp.Plan = FaultPlan.None with { BlackHole = true };
        }
        else
        {
            _udp!.Plan = UdpFaultPlan.None with { BlackHole = true };
        }
    }

    /// <summary>The interface towards this path is gone: what was open goes silent and new dials are refused.</summary>
    public void Cut()
    {
        if (_tcp is not null)
        {
            _tcp.Plan = FaultPlan.None with { BlackHole = true, Refuse = true };
        }
        else
        {
            _udp!.Plan = UdpFaultPlan.None with { BlackHole = true }; // UDP has no refusal: a dial's datagrams vanish too
        }
    }

    public void BringUp()
    {
        if (_tcp is not null)
        {
            _tcp.Plan = FaultPlan.None;
        }
        else
        {
            _udp!.Plan = UdpFaultPlan.None;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_tcp is not null)
        {
            await _tcp.DisposeAsync();
        }

        if (_udp is not null)
        {
            await _udp.DisposeAsync();
        }
    }
}
