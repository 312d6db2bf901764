namespace IrohSocial.Media.Video;

/// <summary>The rungs of the adaptive video ladder, lowest first.</summary>
internal enum VideoQualityStep
{
    /// <summary>Video paused: the link cannot carry it without hurting audio.</summary>
    Suspended = 0,

    /// <summary>320x240 at up to 250 kbit/s.</summary>
    Low = 1,

    /// <summary>640x480 at 500-1500 kbit/s.</summary>
    Medium = 2,

    /// <summary>1280x720 at 2000 kbit/s.</summary>
    High = 3,
}
