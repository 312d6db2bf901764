using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace IrohSocial.Hardening.Tests.Faults;

/// <summary>What a <see cref="UdpFaultProxy"/> does to datagrams. Immutable; swap <see cref="UdpFaultProxy.Plan"/> at any time.</summary>
public sealed record UdpFaultPlan
{
    /// <summary>Forward everything unchanged.</summary>
    public static UdpFaultPlan None { get; } = new();

    /// <summary>Drop every datagram silently, as a firewall that blocks UDP does (no ICMP error).</summary>
    public bool BlackHole { get; init; }

    /// <summary>Probability that a datagram is lost on the wire (each direction, independently).</summary>
    public double LossProbability { get; init; }

    /// <summary>Fixed one-way delay of every datagram.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Extra random delay in [0, Jitter) per datagram. UDP may reorder, and with jitter it does.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>
    /// Capacity of the link per direction in bytes per second, shared by every flow through the proxy (one bottleneck
    /// with one FIFO queue, as a home router's uplink); null for unlimited.
    /// </summary>
    public long? BytesPerSecond { get; init; }

    /// <summary>
    /// Bound of the bottleneck's queue per direction in bytes (with <see cref="BytesPerSecond"/>): a datagram that does
    /// not fit is dropped at the tail, which is how a congested link tells QUIC's congestion control to back off.
    /// </summary>
    public long? QueueLimitBytes { get; init; }
}

/// <summary>
/// A loopback UDP relay that injects loss, delay, jitter and a rate-limited bottleneck with a bounded queue
/// (<see cref="UdpFaultPlan"/>) between QUIC peers. Each client source address gets its own upstream socket to the
/// target, so the target sees one peer per client. Hand-written for the same reason as <see cref="FaultProxy"/>: no
/// package offers an in-process, scriptable datagram impairment for .NET (netem needs root and a namespace).
/// </summary>
public sealed class UdpFaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<IPEndPoint, Flow> _flows = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Link _toServer = new();
    private readonly Link _toClient = new();
    private readonly Random _random;
    private readonly Lock _randomGate = new();
    private readonly Task _receiveLoop;
    private UdpFaultPlan _plan;
    private long _forwarded;
    private long _lost;
    private long _tailDropped;

    private UdpFaultProxy(IPEndPoint target, UdpFaultPlan plan, int port, int seed)
    {
        _target = target;
        _plan = plan;
        _random = new Random(seed);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _receiveLoop = ReceiveFromClientsAsync();
    }

    /// <summary>Where clients send (127.0.0.1 and the port asked for or chosen).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The faults applied from now on.</summary>
    public UdpFaultPlan Plan
    {
        get => Volatile.Read(ref _plan);
        set => Volatile.Write(ref _plan, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Datagrams delivered (both directions).</summary>
    public long DatagramsForwarded => Interlocked.Read(ref _forwarded);

    /// <summary>Datagrams lost by <see cref="UdpFaultPlan.LossProbability"/> or <see cref="UdpFaultPlan.BlackHole"/>.</summary>
    public long DatagramsLost => Interlocked.Read(ref _lost);

    /// <summary>Datagrams dropped because the bottleneck queue was full.</summary>
    public long DatagramsTailDropped => Interlocked.Read(ref _tailDropped);

    /// <summary>Largest backlog the bottleneck held in either direction, in bytes.</summary>
    public long MaxQueuedBytes => Math.Max(_toServer.MaxQueuedBytes, _toClient.MaxQueuedBytes);

    /// <summary>Starts a relay in front of <paramref name="target"/>; <paramref name="port"/> 0 picks a free one.</summary>
    public static UdpFaultProxy Start(IPEndPoint target, UdpFaultPlan? plan = null, int port = 0, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new UdpFaultProxy(target, plan ?? UdpFaultPlan.None, port, seed);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var flow in _flows.Values)
        {
            flow.Upstream.Dispose();
        }

        await Task.WhenAll([_receiveLoop, .. _flows.Values.Select(f => f.Pump)]).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task ReceiveFromClientsAsync()
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _listener.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (SocketException)
            {
                continue; // an ICMP error from an earlier send to a client; keep relaying
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            var client = (IPEndPoint)received.RemoteEndPoint;
            var flow = _flows.GetOrAdd(client, c => OpenFlow(c));
            Forward(buffer.AsSpan(0, received.ReceivedBytes).ToArray(), _toServer, datagram => flow.Upstream.SendAsync(datagram.AsMemory(), SocketFlags.None));
        }
    }

    private Flow OpenFlow(IPEndPoint client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        upstream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        upstream.Connect(_target);
        return new Flow(upstream, ReceiveFromServerAsync(upstream, client));
    }

    private async Task ReceiveFromServerAsync(Socket upstream, IPEndPoint client)
    {
        await Task.Yield();
        var buffer = new byte[65536];
        while (!_stop.IsCancellationRequested)
        {
            int count;
            try
            {
                count = await upstream.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (SocketException)
            {
                continue; // the target's port was closed for a moment (ICMP); it may come back
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            Forward(buffer.AsSpan(0, count).ToArray(), _toClient, datagram => _listener.SendToAsync(datagram.AsMemory(), SocketFlags.None, client));
        }
    }

    private void Forward(byte[] datagram, Link link, Func<byte[], ValueTask<int>> send)
    {
        var plan = Plan;
        double roll, jitterRoll;
        lock (_randomGate)
        {
            roll = _random.NextDouble();
            jitterRoll = _random.NextDouble();
        }

        if (plan.BlackHole || roll < plan.LossProbability)
        {
            Interlocked.Increment(ref _lost);
            return;
        }

        var now = TimeProvider.System.GetTimestamp();
        var wait = TimeSpan.Zero;
        if (plan.BytesPerSecond is { } rate)
        {
            if (!link.TryEnqueue(datagram.Length, rate, plan.QueueLimitBytes, now, out wait))
            {
                Interlocked.Increment(ref _tailDropped);
                return;
            }
        }

        wait += plan.Delay + (plan.Jitter * jitterRoll);
        _ = DeliverAsync(datagram, wait, send);
    }

    private async Task DeliverAsync(byte[] datagram, TimeSpan wait, Func<byte[], ValueTask<int>> send)
    {
        try
        {
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _stop.Token);
            }

            await send(datagram);
            Interlocked.Increment(ref _forwarded);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // a datagram the network loses at shutdown or to a closed port: UDP promises nothing more
        }
    }

    private sealed record Flow(Socket Upstream, Task Pump);

    /// <summary>One direction of the bottleneck: a FIFO drained at the link rate; its backlog is the time until it is free.</summary>
    private sealed class Link
    {
        private readonly Lock _gate = new();
        private long _freeAt; // timestamp at which the last queued datagram has left the link

        public long MaxQueuedBytes { get; private set; }

        /// <summary>Queues <paramref name="bytes"/>; <paramref name="wait"/> is until it has left the link. False = tail drop.</summary>
        public bool TryEnqueue(int bytes, long rate, long? limit, long now, out TimeSpan wait)
        {
            lock (_gate)
            {
                var start = Math.Max(now, _freeAt);
                var backlog = (long)(TimeProvider.System.GetElapsedTime(now, start).TotalSeconds * rate);
                if (limit is { } max && backlog + bytes > max)
                {
                    wait = TimeSpan.Zero;
                    return false;
                }

                MaxQueuedBytes = Math.Max(MaxQueuedBytes, backlog + bytes);
                _freeAt = start + (long)(bytes / (double)rate * TimeProvider.System.TimestampFrequency);
                wait = TimeProvider.System.GetElapsedTime(now, _freeAt);
                return true;
            }
        }
    }
}
