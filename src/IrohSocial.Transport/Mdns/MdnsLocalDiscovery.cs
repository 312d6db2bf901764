using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal.Mdns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Transport;

/// <summary>
/// Local discovery over multicast DNS (RFC 6762) with DNS-SD names (RFC 6763): service <c>_irohsocial._udp.local</c>,
/// one instance per announcing endpoint named by a random tag, its TXT record holding the endpoint id and direct
/// addresses (docs/protocol.md section 13). Browsing listens, asks once at start and again (rate-limited) when
/// <see cref="Find"/> misses; announcing (opt-in: it tells everyone on the LAN that this id is here) answers queries
/// and re-announces every half TTL, and says goodbye on dispose. After a network change (<see cref="RenewAsync"/>) it
/// re-opens its socket when the interfaces changed, asks again, and announces the new addresses at once. Best effort:
/// where no interface can carry multicast or the socket cannot be opened, it logs why and finds nothing. Anything heard is only a dial candidate; the TLS
/// handshake proves the id.
/// </summary>
public sealed class MdnsLocalDiscovery : ILocalDiscovery
{
    private readonly MdnsDiscoveryOptions _options;
    private readonly ILogger _logger;
    private readonly MdnsPeerCache _cache;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    // Our queries carry this id, so ours coming back through multicast loopback is not answered (nor counted against
    // the one-answer-a-second limit, which would then swallow a real query).
    private readonly ushort _queryId = (ushort)RandomNumberGenerator.GetInt32(1, ushort.MaxValue + 1);
    private readonly List<Task> _loops = [];
    private readonly SemaphoreSlim _gate = new(1, 1); // start, renew and dispose, one at a time
    private MdnsSocket? _socket;
    private byte[]? _announcement;
    private TaskCompletionSource _announceNow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EndpointId? _self;
    private bool _announce;
    private long _lastQuery = long.MinValue;
    private long _lastAnswer = long.MinValue;
    private int _started;
    private int _disposed;

    /// <summary>Creates a discovery; nothing is opened before <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public MdnsLocalDiscovery(MdnsDiscoveryOptions? options = null)
    {
        _options = options ?? new MdnsDiscoveryOptions();
        _options.Validate();
        _logger = _options.LoggerFactory?.CreateLogger<MdnsLocalDiscovery>() ?? NullLogger<MdnsLocalDiscovery>.Instance;
        _cache = new MdnsPeerCache(_options.MaxPeers, _options.MaxTimeToLive, _options.TimeProvider);
    }

    /// <summary>Whether this machine has an interface that can carry mDNS (up, multicast-capable, not loopback, IPv4).</summary>
    public static bool IsSupported => MdnsSocket.SelectInterfaces([]).Count > 0;

    /// <summary>The interfaces in use; empty before start or where mDNS is unavailable.</summary>
    public IReadOnlyList<string> Interfaces => _socket?.Interfaces.Select(i => i.Name).ToArray() ?? [];

    /// <inheritdoc />
    public async ValueTask StartAsync(EndpointAddr self, bool announce, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("This discovery was already started (one endpoint per discovery).");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _self = self.Id;
            _announce = announce;
            var interfaces = MdnsSocket.SelectInterfaces(_options.InterfaceNames);
            if (Open(interfaces))
            {
                Volatile.Write(ref _announcement, AnnouncementOf(self));
                MdnsLog.Started(_logger, string.Join(", ", interfaces.Select(i => i.Name)), _announcement is not null);
                await AskAsync().ConfigureAwait(false);
            }

            if (announce)
            {
                // Even with no interface up: a network change may bring one (RenewAsync).
                _loops.Add(Task.Run(AnnounceLoopAsync, CancellationToken.None));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// After a network change: re-opens the socket when the usable interfaces changed (one went, one came, or its address
    /// changed), asks the LAN again (it may be another LAN), and when announcing announces <paramref name="self"/>'s new
    /// addresses at once, twice a second apart, instead of at the next half TTL. Does nothing before start or after dispose.
    /// </summary>
    public async ValueTask RenewAsync(EndpointAddr self, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        if (Volatile.Read(ref _started) == 0 || Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _disposed) == 1)
            {
                return;
            }

            var interfaces = MdnsSocket.SelectInterfaces(_options.InterfaceNames);
            var current = _socket?.Interfaces ?? [];
            var reopened = !interfaces.OrderBy(i => i.Index).SequenceEqual(current.OrderBy(i => i.Index));
            if (reopened)
            {
                // The receive loop of the old socket ends when it is closed.
                var old = _socket;
                Volatile.Write(ref _socket, null);
                old?.Dispose();
                Open(interfaces);
            }

            Volatile.Write(ref _announcement, AnnouncementOf(self));
            MdnsLog.Renewed(_logger, string.Join(", ", interfaces.Select(i => i.Name)), reopened, _announcement is not null);
            await AskAsync().ConfigureAwait(false);
            Volatile.Read(ref _announceNow).TrySetResult();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Opens the socket on <paramref name="interfaces"/> and starts receiving; false (logged) when it cannot.</summary>
    private bool Open(IReadOnlyList<MdnsInterface> interfaces)
    {
        if (interfaces.Count == 0)
        {
            MdnsLog.Unavailable(_logger, _options.InterfaceNames.Count == 0 ? "no multicast-capable interface" : "none of the named interfaces is up with IPv4 and multicast");
            return false;
        }

        MdnsSocket socket;
        try
        {
            socket = MdnsSocket.Open(interfaces, _options.Port);
        }
        catch (SocketException ex)
        {
            MdnsLog.Unavailable(_logger, $"cannot open UDP port {_options.Port}: {ex.SocketErrorCode}");
            return false;
        }

        Volatile.Write(ref _socket, socket);
        _loops.RemoveAll(t => t.IsCompleted); // receive loops of sockets replaced before
        _loops.Add(Task.Run(() => ReceiveLoopAsync(socket), CancellationToken.None));
        return true;
    }

    private byte[]? AnnouncementOf(EndpointAddr self)
    {
        if (!_announce || self.DirectAddresses.FirstOrDefault() is not { Port: > 0 } first)
        {
            return null;
        }

        var addresses = self.DirectAddresses.Where(a => !IPAddress.IsLoopback(a.Address) && MdnsCodec.IsDialable(a.Address)).ToArray();
        return MdnsCodec.Announcement(_tag, self.Id, first.Port, addresses, _options.RecordTimeToLive);
    }

    private async Task AskAsync()
    {
        await SendQuietlyAsync(MdnsCodec.Query(_queryId), null).ConfigureAwait(false);
        Interlocked.Exchange(ref _lastQuery, _options.TimeProvider.GetTimestamp());
    }

    /// <summary>
    /// The peer if it announced itself within <paramref name="maxAge"/> and its records have not expired; on a miss,
    /// a query goes out (at most once per <see cref="MdnsDiscoveryOptions.MinQueryInterval"/>) so a later call may find it.
    /// </summary>
    public LocalPeer? Find(EndpointId id, TimeSpan maxAge)
    {
        if (_cache.Find(id, maxAge) is { } peer)
        {
            return peer;
        }

        var time = _options.TimeProvider;
        var last = Interlocked.Read(ref _lastQuery);
        if (_socket is not null && (last == long.MinValue || time.GetElapsedTime(last) >= _options.MinQueryInterval)
            && Interlocked.CompareExchange(ref _lastQuery, time.GetTimestamp(), last) == last)
        {
            _ = SendQuietlyAsync(MdnsCodec.Query(_queryId), null);
        }

        return null;
    }

    /// <summary>Every peer heard within <paramref name="maxAge"/> (default 2 minutes) whose records have not expired, most recent first.</summary>
    public IReadOnlyList<LocalPeer> GetPeers(TimeSpan? maxAge = null) => _cache.Snapshot(maxAge ?? TimeSpan.FromMinutes(2));

    /// <summary>Asks the LAN now who is there (answers arrive in <see cref="GetPeers"/> within a moment). Does nothing where mDNS is unavailable.</summary>
    public async ValueTask QueryAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (_socket is { } socket)
        {
            await socket.SendAsync(MdnsCodec.Query(_queryId), null, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _lastQuery, _options.TimeProvider.GetTimestamp());
        }
    }

    /// <summary>Says goodbye (TTL 0) when announcing, then stops and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _announcement) is not null && _self is { } self)
        {
            await SendQuietlyAsync(MdnsCodec.Announcement(_tag, self, 0, [], TimeSpan.Zero), null).ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
        _gate.Release();
    }

    /// <summary>
    /// Handles one received packet: announcements of other endpoints go into the cache, a query for the service is
    /// answered when announcing (at most once a second). Malformed or oversized packets are logged and ignored.
    /// </summary>
    internal void Handle(ReadOnlySpan<byte> packet, IPAddress source, int? arrivalInterface)
    {
        if (MdnsCodec.TryParse(packet, out var error) is not { } parsed)
        {
            MdnsLog.Ignored(_logger, source.ToString(), error ?? "malformed");
            return;
        }

        foreach (var announcement in parsed.Announcements)
        {
            if (announcement.Id != _self)
            {
                _cache.Apply(announcement, source);
                MdnsLog.Heard(_logger, announcement.Id.ToShortString(), string.Join(", ", announcement.Addresses));
            }
        }

        var time = _options.TimeProvider;
        if (parsed.AsksForService && parsed.QueryId != _queryId && Volatile.Read(ref _announcement) is { } answer && _socket is not null
            && (_lastAnswer == long.MinValue || time.GetElapsedTime(_lastAnswer) >= TimeSpan.FromSeconds(1)))
        {
            _lastAnswer = time.GetTimestamp();
            _ = SendQuietlyAsync(answer, arrivalInterface);
        }
    }

    /// <summary>How many peers are remembered (tests).</summary>
    internal int CachedPeers => _cache.Count;

    private async Task ReceiveLoopAsync(MdnsSocket socket)
    {
        var buffer = new byte[MdnsCodec.MaxPacketSize + 1];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var (length, source, arrival) = await socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (arrival is not null)
                {
                    Handle(buffer.AsSpan(0, length), source, arrival);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || _stop.IsCancellationRequested
            || !ReferenceEquals(Volatile.Read(ref _socket), socket))
        {
            // stopped, or this socket was replaced after a network change
        }
        catch (SocketException ex)
        {
            MdnsLog.ReceiveFailed(_logger, ex);
        }
    }

    // RFC 6762 section 8.3: announce at least twice, a second apart; then again every half TTL so passive browsers stay
    // fresh. Section 8.4: new data (a network change) is announced the same way, at once.
    private async Task AnnounceLoopAsync()
    {
        var sent = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var now = Volatile.Read(ref _announceNow).Task;
                if (now.IsCompleted)
                {
                    Volatile.Write(ref _announceNow, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                    sent = 0;
                    continue;
                }

                if (Volatile.Read(ref _announcement) is not { } packet)
                {
                    await now.WaitAsync(_stop.Token).ConfigureAwait(false); // nothing to announce until the network changes
                    continue;
                }

                await SendQuietlyAsync(packet, null).ConfigureAwait(false);
                sent++;
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                await Task.WhenAny(Task.Delay(sent == 1 ? TimeSpan.FromSeconds(1) : _options.RecordTimeToLive / 2, _options.TimeProvider, timer.Token), now)
                    .ConfigureAwait(false);
                await timer.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendQuietlyAsync(byte[] packet, int? only)
    {
        if (Volatile.Read(ref _socket) is not { } socket)
        {
            return;
        }

        try
        {
            await socket.SendAsync(packet, only, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (!_stop.IsCancellationRequested && ReferenceEquals(Volatile.Read(ref _socket), socket))
            {
                MdnsLog.SendFailed(_logger, ex);
            }
        }
    }
}
