namespace IrohSocial.Media.Audio;

/// <summary>How the jitter buffer produced one playout frame.</summary>
public enum PlayoutKind
{
    /// <summary>Playout has not started yet (still filling up to the target delay); the frame is silence.</summary>
    Idle = 0,

    /// <summary>The frame was decoded from its own packet.</summary>
    Decoded = 1,

    /// <summary>
    /// The packet was lost and the next one was already here: the frame went through Opus' FEC decode, which
    /// rebuilds it from the next packet's in-band FEC, or conceals when that packet carries none.
    /// </summary>
    FecRecovered = 2,

    /// <summary>The packet was lost or unreadable; the frame is Opus packet-loss concealment.</summary>
    Concealed = 3,

    /// <summary>An extra concealment frame inserted to grow the delay when jitter rose.</summary>
    Stretched = 4,
}
