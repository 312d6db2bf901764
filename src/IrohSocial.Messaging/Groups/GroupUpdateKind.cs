namespace IrohSocial.Messaging.Groups;

/// <summary>What a signed membership update does (its byte value is on the wire, docs/protocol.md section 11).</summary>
public enum GroupUpdateKind
{
    /// <summary>Founds the group: name and initial members; the author is its first admin.</summary>
    Create = 1,

    /// <summary>An admin adds members.</summary>
    Add = 2,

    /// <summary>An admin removes members (not itself: that is <see cref="Leave"/>).</summary>
    Remove = 3,

    /// <summary>A member leaves (the only update a non-admin may sign).</summary>
    Leave = 4,

    /// <summary>An admin renames the group.</summary>
    Rename = 5,

    /// <summary>An admin makes members admins.</summary>
    Promote = 6,
}
