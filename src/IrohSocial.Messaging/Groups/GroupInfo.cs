using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Groups;

/// <summary>A group as the local member currently sees it.</summary>
/// <param name="Id">The group id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Members">Current members, sorted by key bytes.</param>
/// <param name="Admins">Members who may sign updates.</param>
/// <param name="Version">1 after the create, +1 per update.</param>
/// <param name="StateHash">Lowercase hex of the state hash (docs/protocol.md section 11.1): equal hashes mean equal states.</param>
/// <param name="IsMember">Whether the local user is still a member (false after being removed or leaving).</param>
public sealed record GroupInfo(GroupId Id, string Name, IReadOnlyList<EndpointId> Members, IReadOnlyList<EndpointId> Admins, ulong Version, string StateHash, bool IsMember);

/// <summary>A group conversation as listed by <see cref="DmClient.GetGroupConversationsAsync"/>.</summary>
/// <param name="Group">The group.</param>
/// <param name="LastMessage">The newest message, if any.</param>
/// <param name="UnreadCount">Incoming messages not yet marked read.</param>
public sealed record GroupConversation(GroupInfo Group, GroupMessage? LastMessage, int UnreadCount);
