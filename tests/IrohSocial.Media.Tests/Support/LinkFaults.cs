namespace IrohSocial.Media.Tests.Support;

/// <summary>What a <see cref="FaultyLink"/> does to each write (one write = one frame).</summary>
internal sealed record LinkFaults
{
    public static LinkFaults Clean { get; } = new();

    /// <summary>Share of writes dropped (0-1).</summary>
    public double DropRate { get; init; }

    /// <summary>Share of writes delivered twice (a replay injected by the network).</summary>
    public double DuplicateRate { get; init; }

    /// <summary>Fixed one-way delay.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Extra delay drawn uniformly from [0, Jitter] per write (may reorder writes).</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>The first writes (the stream preamble) travel without loss or jitter, as a stream's opening does.</summary>
    public int ReliableWrites { get; init; } = 1;
}
