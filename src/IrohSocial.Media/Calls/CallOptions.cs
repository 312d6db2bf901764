using IrohSocial.Media.Audio;

namespace IrohSocial.Media.Calls;

/// <summary>Timing and media settings of the call service.</summary>
public sealed record CallOptions
{
    /// <summary>The defaults: 30 s ring timeout, 5 s reconnect window, a silent connection dead after 2 s, stats every second.</summary>
    public static CallOptions Default { get; } = new();

    /// <summary>How long an unanswered call rings before it ends as missed (on both sides).</summary>
    public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long both sides try to restore a dropped call connection before the call ends as failed.</summary>
    public TimeSpan ReconnectWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A call connection that brings nothing from the peer (no audio, video or control message; each side sends a
    /// keep-alive control message every quarter of this) for this long is treated as dead and restored at once, within
    /// <see cref="ReconnectWindow"/>: a path that died silently (a Wi-Fi gone, a NAT that dropped its mapping) is noticed
    /// long before the transport's idle timeout. Default 2 s. <see cref="TimeSpan.Zero"/> turns the watch off.
    /// </summary>
    public TimeSpan DeadPathTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often statistics are computed and raised as events.</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt to open the call connection may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long an incoming media stream may take to send its preamble before it is refused.</summary>
    public TimeSpan PreambleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Over the TCP fallback transport (<see cref="Transport.TransportProvider.TcpTls"/>) the caller opens a second call
    /// connection for video (on by default). All streams of a TCP connection share one ordered byte stream, so audio
    /// written after a burst of video waits until that video has crossed the link: on a link that suddenly slows, half a
    /// second or more. On its own connection the video queues apart from the audio. Over QUIC streams are independent and
    /// video stays on the call connection. Both sides should agree; a callee expecting the video connection falls back to
    /// the call connection after <see cref="ConnectTimeout"/>.
    /// </summary>
    public bool SeparateVideoConnection { get; init; } = true;

    /// <summary>Audio encoder settings (Opus, pacing, FEC switching).</summary>
    internal AudioSenderOptions AudioSender { get; init; } = AudioSenderOptions.Default;

    /// <summary>Audio receiver settings (jitter buffer bounds, decoder); the stats interval comes from <see cref="StatsInterval"/>.</summary>
    internal AudioReceiverOptions AudioReceiver { get; init; } = AudioReceiverOptions.Default;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RingTimeout, TimeSpan.Zero, nameof(RingTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectWindow, TimeSpan.Zero, nameof(ReconnectWindow));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StatsInterval, TimeSpan.Zero, nameof(StatsInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(DeadPathTimeout, TimeSpan.Zero, nameof(DeadPathTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentNullException.ThrowIfNull(AudioSender);
        ArgumentNullException.ThrowIfNull(AudioReceiver);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PreambleTimeout, TimeSpan.Zero, nameof(PreambleTimeout));
    }
}
