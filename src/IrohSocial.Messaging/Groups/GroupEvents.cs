using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Groups;

/// <summary>
/// Base of the group events; <see cref="DmEvent.Peer"/> is the member it came from (the local id for local changes).
/// Only the SDK derives from it.
/// </summary>
public abstract record GroupEvent : DmEvent
{
    private protected GroupEvent(EndpointId peer, GroupId group)
        : base(peer) => Group = group;

    /// <summary>The group.</summary>
    public GroupId Group { get; init; }
}

/// <summary>The group's state changed (created, joined, members added, removed or left, renamed, admins promoted).</summary>
/// <param name="Peer">Who told us (the local id for our own changes).</param>
/// <param name="Group">The group id.</param>
/// <param name="State">The state now.</param>
/// <param name="Joined">Members who were not members before.</param>
/// <param name="Departed">Members who are no longer members.</param>
public sealed record GroupMembershipChangedEvent(EndpointId Peer, GroupId Group, GroupInfo State, IReadOnlyList<EndpointId> Joined, IReadOnlyList<EndpointId> Departed) : GroupEvent(Peer, Group);

/// <summary>A member's message arrived (duplicates and messages of non-members are never reported).</summary>
public sealed record GroupMessageReceivedEvent(EndpointId Peer, GroupId Group, GroupMessage Message) : GroupEvent(Peer, Group);

/// <summary>A member acknowledged its copy of one of our group messages.</summary>
public sealed record GroupMessageDeliveredEvent(EndpointId Peer, GroupId Group, string MessageId) : GroupEvent(Peer, Group);

/// <summary>A member read some of our group messages.</summary>
public sealed record GroupMessageReadEvent(EndpointId Peer, GroupId Group, IReadOnlyList<string> MessageIds) : GroupEvent(Peer, Group);

/// <summary>A member is typing in the group.</summary>
public sealed record GroupTypingEvent(EndpointId Peer, GroupId Group) : GroupEvent(Peer, Group);
