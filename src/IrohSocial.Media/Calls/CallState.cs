namespace IrohSocial.Media.Calls;

/// <summary>Where a call is in its life.</summary>
public enum CallState
{
    /// <summary>Offered and not answered yet.</summary>
    Ringing = 0,

    /// <summary>Answered: media flows (or is being restored after a drop).</summary>
    Active = 1,

    /// <summary>Over; see <see cref="Call.Completion"/> for the reason.</summary>
    Ended = 2,
}
