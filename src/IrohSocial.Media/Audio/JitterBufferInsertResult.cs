namespace IrohSocial.Media.Audio;

/// <summary>What the jitter buffer did with an arriving frame.</summary>
internal enum JitterBufferInsertResult
{
    /// <summary>Queued for playout.</summary>
    Accepted = 0,

    /// <summary>Its playout time had passed; dropped.</summary>
    Late = 1,

    /// <summary>Already queued; dropped.</summary>
    Duplicate = 2,
}
