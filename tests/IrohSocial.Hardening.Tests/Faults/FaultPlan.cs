namespace IrohSocial.Hardening.Tests.Faults;

/// <summary>
/// What a <see cref="FaultProxy"/> does to traffic. Immutable; swap <see cref="FaultProxy.Plan"/> to change
/// faults while connections are open (chunks already queued keep the plan they were read under).
/// </summary>
public sealed record FaultPlan
{
    /// <summary>Forward everything unchanged.</summary>
    public static FaultPlan None { get; } = new();

    /// <summary>Refuse new connections: the listener is closed, so connects fail with ConnectionRefused.</summary>
    public bool Refuse { get; init; }

    /// <summary>Accept and read, but forward nothing and never close: the peer sees a silent, open connection.</summary>
    public bool BlackHole { get; init; }

    /// <summary>Fixed one-way delay added to every chunk.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Extra random delay in [0, Jitter) per chunk. Order is kept (TCP cannot reorder).</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>
    /// Cap in bytes per second per direction; null for unlimited. It caps each proxied connection separately unless
    /// <see cref="SharedLink"/> is set, in which case it is the capacity of one link all connections share.
    /// </summary>
    public long? BytesPerSecond { get; init; }

    /// <summary>
    /// Model one bottleneck link for the whole proxy: <see cref="BytesPerSecond"/> is then the capacity of one link per
    /// direction shared by every connection through this proxy, so the total delivered across all connections never
    /// exceeds it. Each connection keeps its own queue (bounded by <see cref="QueueLimitBytes"/> when set, per
    /// connection per direction), and the link serves the connections' queued bytes in turn, a packet at a time
    /// (slices of at most <see cref="SharedLinkSliceBytes"/>, an MTU): a connection asks for its next turn only once its
    /// previous slice has left the link, and a turn carries up to a slice of everything the connection has queued. That
    /// is how a flow-queueing bottleneck (fq_codel, Linux's default qdisc; per-station queues on Wi-Fi) serves flows: a
    /// connection that starts sending a little (audio) waits for the slice on the wire (plus one per other connection
    /// asking at the same moment), not behind another connection's backlog, and many small writes keep their pace. This does NOT model a single FIFO bottleneck (one queue for all
    /// flows): there a small flow would also wait behind the other flows' queued bytes, up to the queue limit.
    /// False (the default): every connection gets its own <see cref="BytesPerSecond"/> and its own schedule.
    /// </summary>
    public bool SharedLink { get; init; }

    /// <summary>
    /// Largest slice a <see cref="SharedLink"/> sends for one connection before another may have its turn: an
    /// Ethernet MTU. At low rates slices are smaller (at most 1/20 s of the rate), so pacing stays fine-grained.
    /// </summary>
    public const int SharedLinkSliceBytes = 1500;

    /// <summary>
    /// Probability that a chunk is silently discarded. TCP never loses bytes, so this corrupts the byte stream:
    /// it models a broken middlebox and tests that framing and TLS reject what follows.
    /// </summary>
    public double DropProbability { get; init; }

    /// <summary>
    /// Probability that a chunk is lost on the wire and recovered by TCP: how packet loss looks above a TCP stream.
    /// Nothing is dropped or reordered; the chunk arrives <see cref="RetransmitDelay"/> late (the retransmission),
    /// and every later chunk in that direction waits behind it, since TCP delivers in order (head-of-line blocking).
    /// Use this, not <see cref="DropProbability"/>, to model a lossy path under a TCP transport.
    /// </summary>
    public double RetransmitProbability { get; init; }

    /// <summary>
    /// Extra delay of a chunk chosen by <see cref="RetransmitProbability"/>: the time TCP needs to notice the loss and
    /// resend, about one to two round trips with fast retransmit on a busy stream, at least 200 ms (Linux's minimum
    /// retransmission timeout) when the loss is found by timeout. Defaults to the latter.
    /// </summary>
    public TimeSpan RetransmitDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Probability that reading a chunk resets the connection (RST), as a path failure does.</summary>
    public double ResetProbability { get; init; }

    /// <summary>
    /// Forward at most this many bytes per direction per connection, then reset it: a cut in the middle of
    /// whatever frame was in flight. Null for no cut.
    /// </summary>
    public long? CutAfterBytes { get; init; }

    /// <summary>
    /// Bound of the queue each direction holds, in bytes, as a real bottleneck's buffer is; null for unbounded.
    /// While the queue is full the proxy stops reading, so TCP flow control pushes back on the sender instead of the
    /// proxy hiding seconds of backlog (with <see cref="BytesPerSecond"/> an unbounded queue grows without limit).
    /// In this mode the proxy also gives its sockets small kernel buffers (<see cref="BoundedSocketBufferBytes"/>) so
    /// the loopback kernel, whose buffers autotune to megabytes, does not hide the backlog either.
    /// </summary>
    public long? QueueLimitBytes { get; init; }

    /// <summary>Kernel send and receive buffer size the proxy's sockets get while <see cref="QueueLimitBytes"/> is set.</summary>
    public const int BoundedSocketBufferBytes = 8 * 1024;

    /// <summary>Largest chunk read and forwarded at once (smaller chunks make delays and cuts finer).</summary>
    public int ChunkSize { get; init; } = 16 * 1024;
}
