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

    /// <summary>Per-direction cap in bytes per second; null for unlimited.</summary>
    public long? BytesPerSecond { get; init; }

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
