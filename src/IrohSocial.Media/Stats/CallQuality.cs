namespace IrohSocial.Media.Stats;

/// <summary>A coarse connection-quality level for an indicator in the UI.</summary>
public enum CallQuality
{
    /// <summary>Low loss, jitter and round-trip time: conversation is unimpaired.</summary>
    Good = 0,

    /// <summary>Noticeable impairment (some concealment or delay), still usable.</summary>
    Fair = 1,

    /// <summary>Heavy loss, jitter or delay: speech is hard to follow.</summary>
    Poor = 2,
}
