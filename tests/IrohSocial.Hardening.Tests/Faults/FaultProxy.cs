using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace IrohSocial.Hardening.Tests.Faults;

/// <summary>
/// A loopback TCP proxy that injects network faults (see <see cref="FaultPlan"/>) between a client and a
/// server. Point the client at <see cref="EndPoint"/>; the proxy dials <c>target</c> for every accepted
/// connection. Depends only on the BCL so other test projects can compile it in by linking the Faults folder.
/// Hand-written because no package offers an in-process, scriptable fault proxy for .NET.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private IPEndPoint _target;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly List<ProxiedConnection> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SharedPacer _clientToServerLink = new();
    private readonly SharedPacer _serverToClientLink = new();
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private FaultPlan _plan;
    private long _accepted;
    private long _bytesForwarded;
    private long _bytesDropped;
    private long _chunksRetransmitted;
    private long _chunksQueued;
    private long _maxQueuedBytes;
    private bool _disposed;

    private FaultProxy(IPEndPoint target, FaultPlan plan, TimeProvider time, int seed)
    {
        _target = target;
        _plan = plan;
        _time = time;
        _random = new Random(seed);
    }

    /// <summary>Where clients connect (127.0.0.1 and a port chosen at start, kept across <see cref="FaultPlan.Refuse"/>).</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// The server new connections are forwarded to. Changing it lets a restarted server (new port) stay reachable
    /// at the same proxy address; open connections keep their server.
    /// </summary>
    public IPEndPoint Target
    {
        get => Volatile.Read(ref _target);
        set => Volatile.Write(ref _target, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Connections accepted so far.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    /// <summary>Connections currently open through the proxy.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Bytes delivered to either side.</summary>
    public long BytesForwarded => Interlocked.Read(ref _bytesForwarded);

    /// <summary>Bytes read but not delivered (dropped, black-holed or cut off).</summary>
    public long BytesDropped => Interlocked.Read(ref _bytesDropped);

    /// <summary>Chunks read and queued for delivery (the unit <see cref="FaultPlan.RetransmitProbability"/> applies to).</summary>
    public long ChunksQueued => Interlocked.Read(ref _chunksQueued);

    /// <summary>Chunks delivered late as TCP retransmissions (see <see cref="FaultPlan.RetransmitProbability"/>).</summary>
    public long ChunksRetransmitted => Interlocked.Read(ref _chunksRetransmitted);

    /// <summary>
    /// The most bytes one direction of one connection has held queued (read, not yet delivered). With
    /// <see cref="FaultPlan.QueueLimitBytes"/> it stays within the limit; without, it shows the backlog a cap built.
    /// </summary>
    public long MaxQueuedBytes => Interlocked.Read(ref _maxQueuedBytes);

    /// <summary>The faults in force. Setting <see cref="FaultPlan.Refuse"/> closes or reopens the listener.</summary>
    public FaultPlan Plan
    {
        get => Volatile.Read(ref _plan);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var wasRefusing = _plan.Refuse;
                Volatile.Write(ref _plan, value);
                if (value.Refuse && !wasRefusing)
                {
                    StopListening();
                }
                else if (!value.Refuse && wasRefusing)
                {
                    StartListening();
                }
            }
        }
    }

    /// <summary>Starts a proxy in front of <paramref name="target"/>.</summary>
    /// <param name="target">The real server.</param>
    /// <param name="plan">Initial faults (none by default).</param>
    /// <param name="timeProvider">Clock for delays and bandwidth pacing (a fake one lets tests step time).</param>
    /// <param name="seed">Seed of the random choices (jitter, drops, resets), for reproducible runs.</param>
    public static FaultProxy Start(IPEndPoint target, FaultPlan? plan = null, TimeProvider? timeProvider = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(target);
        var proxy = new FaultProxy(target, plan ?? FaultPlan.None, timeProvider ?? TimeProvider.System, seed);
        lock (proxy._gate)
        {
            if (!proxy._plan.Refuse)
            {
                proxy.StartListening();
            }
            else
            {
                // Reserve a port so EndPoint is meaningful even while refusing.
                using var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                proxy.EndPoint = (IPEndPoint)probe.LocalEndpoint;
                probe.Stop();
            }
        }

        return proxy;
    }

    /// <summary>Resets every open connection now (both sides see a reset).</summary>
    public void ResetAll()
    {
        ProxiedConnection[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        foreach (var connection in open)
        {
            connection.Abort();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            StopListening();
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        ResetAll();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The listener was stopped under the accept: that is how the loop ends.
        }

        ProxiedConnection[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open.Select(c => c.Completion)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private void StartListening()
    {
        var listener = new TcpListener(EndPoint);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(1024);
        EndPoint = (IPEndPoint)listener.LocalEndpoint;
        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener);
    }

    private void StopListening()
    {
        _listener?.Stop();
        _listener = null;
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            var connection = new ProxiedConnection(this, client);
            lock (_gate)
            {
                _connections.Add(connection);
            }

            connection.Start();
        }
    }

    private double NextDouble()
    {
        lock (_random)
        {
            return _random.NextDouble();
        }
    }

    private void NoteQueued(long queued)
    {
        long seen;
        while (queued > (seen = Interlocked.Read(ref _maxQueuedBytes)) && Interlocked.CompareExchange(ref _maxQueuedBytes, queued, seen) != seen)
        {
        }
    }

    private void Forgotten(ProxiedConnection connection)
    {
        lock (_gate)
        {
            _connections.Remove(connection);
        }
    }

    /// <summary>One client connection and its upstream twin, with a pump per direction.</summary>
    private sealed class ProxiedConnection(FaultProxy proxy, Socket client)
    {
        private readonly Socket _client = client;
        private readonly Socket _server = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _abort = CancellationTokenSource.CreateLinkedTokenSource(proxy._stop.Token);
        private readonly Lock _state = new();
        private bool _aborted;

        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Start() => Completion = RunAsync();

        public void Abort()
        {
            lock (_state)
            {
                if (_aborted)
                {
                    return;
                }

                _aborted = true;

                // Linger 0 makes Close send RST: the peer sees a reset, not an orderly end.
                Reset(_client);
                Reset(_server);
                _abort.Cancel();
            }
        }

        private static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        private async Task RunAsync()
        {
            try
            {
                _client.NoDelay = true;
                _server.NoDelay = true;
                await _server.ConnectAsync(proxy.Target, _abort.Token).ConfigureAwait(false);
                await Task.WhenAll(
                    PumpAsync(_client, _server, proxy._clientToServerLink),
                    PumpAsync(_server, _client, proxy._serverToClientLink)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                Abort();
            }
            finally
            {
                lock (_state)
                {
                    _aborted = true;
                    _client.Dispose();
                    _server.Dispose();
                    _abort.Dispose();
                }

                proxy.Forgotten(this);
            }
        }

        private async Task PumpAsync(Socket from, Socket to, SharedPacer link)
        {
            var queue = Channel.CreateUnbounded<(byte[] Data, DateTimeOffset Due, FaultPlan Plan)>(new() { SingleReader = true, SingleWriter = true });
            var backlog = new Backlog();
            var writer = WriteLoopAsync(queue.Reader, to, backlog, link);
            long forwarded = 0;
            var lastDue = DateTimeOffset.MinValue;
            var smallBuffers = false;
            try
            {
                var buffer = new byte[64 * 1024];
                while (true)
                {
                    var plan = proxy.Plan;
                    var size = Math.Min(plan.ChunkSize, buffer.Length);
                    if (plan.QueueLimitBytes is { } queueLimit)
                    {
                        if (!smallBuffers)
                        {
                            // Big kernel buffers would be a second, hidden queue in front of the bounded one.
                            from.ReceiveBufferSize = FaultPlan.BoundedSocketBufferBytes;
                            to.SendBufferSize = FaultPlan.BoundedSocketBufferBytes;
                            smallBuffers = true;
                        }

                        // A full bottleneck stops reading: the sender's TCP window closes, as behind a real router.
                        long free;
                        while ((free = queueLimit - backlog.Bytes) <= 0)
                        {
                            await backlog.Drained.WaitAsync(_abort.Token).ConfigureAwait(false);
                        }

                        size = (int)Math.Min(size, free);
                    }

                    var read = await from.ReceiveAsync(buffer.AsMemory(0, size), SocketFlags.None, _abort.Token).ConfigureAwait(false);
                    plan = proxy.Plan;
                    if (read == 0)
                    {
                        break;
                    }

                    if (plan.ResetProbability > 0 && proxy.NextDouble() < plan.ResetProbability)
                    {
                        Interlocked.Add(ref proxy._bytesDropped, read);
                        Abort();
                        return;
                    }

                    if (plan.BlackHole || (plan.DropProbability > 0 && proxy.NextDouble() < plan.DropProbability))
                    {
                        Interlocked.Add(ref proxy._bytesDropped, read);
                        continue;
                    }

                    var take = read;
                    var cut = false;
                    if (plan.CutAfterBytes is { } limit && forwarded + read >= limit)
                    {
                        take = (int)Math.Max(0, limit - forwarded);
                        cut = true;
                    }

                    var due = proxy._time.GetUtcNow() + plan.Delay
                        + (plan.Jitter > TimeSpan.Zero ? plan.Jitter * proxy.NextDouble() : TimeSpan.Zero);
                    if (plan.RetransmitProbability > 0 && proxy.NextDouble() < plan.RetransmitProbability)
                    {
                        // Lost and resent by TCP: late by the retransmission, and (below) everything after it waits.
                        due += plan.RetransmitDelay;
                        Interlocked.Increment(ref proxy._chunksRetransmitted);
                    }

                    due = due < lastDue ? lastDue : due;
                    lastDue = due;
                    if (take > 0)
                    {
                        proxy.NoteQueued(backlog.Add(take));
                        queue.Writer.TryWrite((buffer.AsSpan(0, take).ToArray(), due, plan));
                        forwarded += take;
                        Interlocked.Increment(ref proxy._chunksQueued);
                    }

                    if (cut)
                    {
                        Interlocked.Add(ref proxy._bytesDropped, read - take);
                        queue.Writer.TryComplete();
                        await writer.ConfigureAwait(false);
                        Abort();
                        return;
                    }
                }

                // Orderly end: deliver what is queued, then pass the half-close on.
                queue.Writer.TryComplete();
                await writer.ConfigureAwait(false);
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                queue.Writer.TryComplete();
                Abort();
                await writer.ConfigureAwait(false);
            }
        }

        private async Task WriteLoopAsync(ChannelReader<(byte[] Data, DateTimeOffset Due, FaultPlan Plan)> queue, Socket to, Backlog backlog, SharedPacer link)
        {
            var pacedUntil = DateTimeOffset.MinValue;
            var sharedSliceEnd = DateTimeOffset.MinValue;
            try
            {
                await foreach (var (data, due, plan) in queue.ReadAllAsync(_abort.Token).ConfigureAwait(false))
                {
                    var wait = due - proxy._time.GetUtcNow();
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, proxy._time, _abort.Token).ConfigureAwait(false);
                    }

                    if (plan.SharedLink && plan.BytesPerSecond is { } linkRate and > 0)
                    {
                        sharedSliceEnd = await SendOverSharedLinkAsync(TakeTurn(data, queue, SharedLinkSlice(linkRate)), linkRate, link, to, backlog, sharedSliceEnd).ConfigureAwait(false);
                    }
                    else if (plan.BytesPerSecond is { } rate and > 0)
                    {
                        // Pace in slices so a large chunk trickles out at the cap instead of bursting. The schedule is
                        // absolute (pacedUntil), so a timer that fires late is made up by the next slices instead of
                        // lowering the rate, and many small chunks are not each charged a whole timer tick.
                        var slice = (int)Math.Clamp(rate / 20, 1, data.Length);
                        for (var offset = 0; offset < data.Length; offset += slice)
                        {
                            var count = Math.Min(slice, data.Length - offset);
                            var now = proxy._time.GetUtcNow();
                            if (pacedUntil > now)
                            {
                                await Task.Delay(pacedUntil - now, proxy._time, _abort.Token).ConfigureAwait(false);
                                now = pacedUntil;
                            }

                            await to.SendAsync(data.AsMemory(offset, count), SocketFlags.None, _abort.Token).ConfigureAwait(false);
                            Interlocked.Add(ref proxy._bytesForwarded, count);
                            backlog.Remove(count);
                            pacedUntil = now + TimeSpan.FromSeconds((double)count / rate);
                        }
                    }
                    else
                    {
                        await to.SendAsync(data, SocketFlags.None, _abort.Token).ConfigureAwait(false);
                        Interlocked.Add(ref proxy._bytesForwarded, data.Length);
                        backlog.Remove(data.Length);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                Abort();
            }
        }

        /// <summary>
        /// A turn at the shared link carries up to a slice of whatever this connection has queued and is due, not just
        /// its next chunk, as a flow queue's turn carries a byte quantum: a flow of many small writes (audio frames of
        /// 100 bytes) would otherwise get 100 bytes for every 1500 a bulk flow gets and fall behind its own rate.
        /// </summary>
        private byte[] TakeTurn(byte[] first, ChannelReader<(byte[] Data, DateTimeOffset Due, FaultPlan Plan)> queue, int slice)
        {
            if (first.Length >= slice)
            {
                return first;
            }

            var now = proxy._time.GetUtcNow();
            var turn = new List<byte>(slice);
            turn.AddRange(first);
            while (turn.Count < slice && queue.TryPeek(out var next) && next.Due <= now && next.Plan.SharedLink
                && next.Data.Length <= slice - turn.Count && queue.TryRead(out next))
            {
                turn.AddRange(next.Data);
            }

            return turn.Count == first.Length ? first : [.. turn];
        }

        private static int SharedLinkSlice(long rate) => (int)Math.Clamp(rate / 20, 1, FaultPlan.SharedLinkSliceBytes);

        /// <summary>Sends <paramref name="data"/> over the shared link; returns when its last slice leaves the link.</summary>
        private async Task<DateTimeOffset> SendOverSharedLinkAsync(byte[] data, long rate, SharedPacer link, Socket to, Backlog backlog, DateTimeOffset previousSliceEnd)
        {
            // Book the link one slice at a time, and only once this connection's previous slice has left the link: a
            // writer never holds a turn beyond the slice on the wire, so a connection that starts sending waits for at
            // most the slice being sent (as a flow-queueing bottleneck serves a newly active flow next), and other
            // connections' slices interleave with a backlog instead of queueing behind all of it.
            var slice = SharedLinkSlice(rate);
            for (var offset = 0; offset < data.Length; offset += slice)
            {
                var count = Math.Min(slice, data.Length - offset);
                await DelayUntilAsync(previousSliceEnd).ConfigureAwait(false);
                var start = link.Reserve(count, rate, proxy._time.GetUtcNow());
                await DelayUntilAsync(start).ConfigureAwait(false);
                await to.SendAsync(data.AsMemory(offset, count), SocketFlags.None, _abort.Token).ConfigureAwait(false);
                Interlocked.Add(ref proxy._bytesForwarded, count);
                backlog.Remove(count);
                previousSliceEnd = start + TimeSpan.FromSeconds((double)count / rate);
            }

            return previousSliceEnd;
        }

        private async Task DelayUntilAsync(DateTimeOffset due)
        {
            var wait = due - proxy._time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, proxy._time, _abort.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The schedule of one direction of a <see cref="FaultPlan.SharedLink"/>: every connection books its next slice
    /// here, so the slices of all connections follow each other at the link's rate, in the order they were booked.
    /// </summary>
    private sealed class SharedPacer
    {
        private readonly Lock _gate = new();
        private DateTimeOffset _pacedUntil = DateTimeOffset.MinValue;

        /// <summary>Books the link for <paramref name="count"/> bytes; returns when they may start.</summary>
        public DateTimeOffset Reserve(int count, long bytesPerSecond, DateTimeOffset now)
        {
            lock (_gate)
            {
                // An idle link starts now and earns no credit for the idle time, as the per-connection pacer does.
                var start = _pacedUntil > now ? _pacedUntil : now;
                _pacedUntil = start + TimeSpan.FromSeconds((double)count / bytesPerSecond);
                return start;
            }
        }
    }

    /// <summary>Bytes one direction holds between reading and delivering them, and a wake-up for a reader waiting on a full queue.</summary>
    private sealed class Backlog
    {
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public SemaphoreSlim Drained { get; } = new(0);

        public long Add(long count) => Interlocked.Add(ref _bytes, count);

        public void Remove(long count)
        {
            Interlocked.Add(ref _bytes, -count);
            if (Drained.CurrentCount == 0)
            {
                Drained.Release(); // a spurious wake-up only makes the reader check the level again
            }
        }
    }
}
