using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Internal.Groups;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    private readonly GroupService? _groups;

    /// <summary>A group's membership or name changed (including groups created here or joined).</summary>
    public event EventHandler<GroupMembershipChangedEvent>? GroupMembershipChanged;

    /// <summary>A group message arrived from a current member.</summary>
    public event EventHandler<GroupMessageReceivedEvent>? GroupMessageReceived;

    /// <summary>A member acknowledged its copy of one of our group messages.</summary>
    public event EventHandler<GroupMessageDeliveredEvent>? GroupMessageDelivered;

    /// <summary>A member read some of our group messages.</summary>
    public event EventHandler<GroupMessageReadEvent>? GroupMessageRead;

    /// <summary>A member is typing in a group.</summary>
    public event EventHandler<GroupTypingEvent>? GroupTyping;

    private GroupService Groups => _groups ?? throw new MessagingException(MessagingError.GroupsUnsupported, "The store does not implement IGroupStore; groups are unavailable.");

    // The app's own store (StartAsync wraps it for the search index; optional interfaces live on the inner one).
    private IGroupStore GroupStore => (IGroupStore)Indexing.Inner;

    /// <summary>
    /// Creates a group named <paramref name="name"/> with the local user (its first admin) and <paramref name="members"/>,
    /// and queues the signed group log to each member. Members need not be online.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.GroupUpdateRefused"/> (too many members).</exception>
    public Task<GroupInfo> CreateGroupAsync(string name, IReadOnlyList<EndpointAddr> members, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(members);
        ThrowIfDisposed();
        return Groups.CreateAsync(name, members, cancellationToken);
    }

    /// <summary>Adds members (admins only); every old and new member gets the new log through its outbox.</summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.UnknownGroup"/> or <see cref="MessagingError.GroupUpdateRefused"/>.</exception>
    public Task<GroupInfo> AddGroupMembersAsync(GroupId group, IReadOnlyList<EndpointAddr> members, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        ThrowIfDisposed();
        return Groups.UpdateAsync(group, GroupUpdateKind.Add, "", members.Select(m => m.Id).Distinct().ToList(), members, cancellationToken);
    }

    /// <summary>Removes members (admins only). They get the log that removes them and no later message from us.</summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.UnknownGroup"/> or <see cref="MessagingError.GroupUpdateRefused"/>.</exception>
    public Task<GroupInfo> RemoveGroupMembersAsync(GroupId group, IReadOnlyList<EndpointId> members, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        ThrowIfDisposed();
        return Groups.UpdateAsync(group, GroupUpdateKind.Remove, "", members.Distinct().ToList(), [], cancellationToken);
    }

    /// <summary>Makes members admins (admins only).</summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.UnknownGroup"/> or <see cref="MessagingError.GroupUpdateRefused"/>.</exception>
    public Task<GroupInfo> PromoteGroupMembersAsync(GroupId group, IReadOnlyList<EndpointId> members, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        ThrowIfDisposed();
        return Groups.UpdateAsync(group, GroupUpdateKind.Promote, "", members.Distinct().ToList(), [], cancellationToken);
    }

    /// <summary>Renames the group (admins only).</summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.UnknownGroup"/> or <see cref="MessagingError.GroupUpdateRefused"/>.</exception>
    public Task<GroupInfo> RenameGroupAsync(GroupId group, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ThrowIfDisposed();
        return Groups.UpdateAsync(group, GroupUpdateKind.Rename, name, [], [], cancellationToken);
    }

    /// <summary>Leaves the group: the remaining members get the signed leave; the group stays listed here with <see cref="GroupInfo.IsMember"/> false.</summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.UnknownGroup"/> or <see cref="MessagingError.GroupUpdateRefused"/> (not a member).</exception>
    public Task<GroupInfo> LeaveGroupAsync(GroupId group, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Groups.UpdateAsync(group, GroupUpdateKind.Leave, "", [], [], cancellationToken);
    }

    /// <summary>
    /// Queues one copy of a message per current member (pairwise encrypted) and returns its id. With attachments,
    /// each member reachable now gets the bytes before this returns.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.NotGroupMember"/>, <see cref="MessagingError.TooLarge"/>; with
    /// attachments <see cref="MessagingError.PeerUnreachable"/> when some member could not get them (the message itself stays queued).</exception>
    public async Task<string> SendGroupMessageAsync(GroupId group, string content, IReadOnlyList<AttachmentSource>? attachments = null, string? replyTo = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ThrowIfDisposed();
        if (content.Length > _options.MaxMessageLength)
        {
            throw new MessagingException(MessagingError.TooLarge, $"Message text is over {_options.MaxMessageLength} characters.");
        }

        if (replyTo is { Length: > Control.MaxIdLength })
        {
            throw new ArgumentException("replyTo is not a message id.", nameof(replyTo));
        }

        var descriptors = attachments is { Count: > 0 } ? await DescribeAsync(attachments, ownCopyOf: null, cancellationToken).ConfigureAwait(false) : null;
        var (id, recipients) = await Groups.SendAsync(group, content, descriptors, replyTo, cancellationToken).ConfigureAwait(false);
        if (descriptors is null)
        {
            return id;
        }

        var results = await Task.WhenAll(recipients.Select(r => UploadGroupAttachmentsAsync(r, id, descriptors, attachments!, cancellationToken))).ConfigureAwait(false);
        var missed = results.Count(ok => !ok);
        if (missed > 0)
        {
            throw new MessagingException(MessagingError.PeerUnreachable, $"Group message {id} is queued, but its attachments did not reach {missed} member(s).");
        }

        return id;
    }

    private async Task<bool> UploadGroupAttachmentsAsync(EndpointId member, string messageId, IReadOnlyList<AttachmentDescriptor> descriptors, IReadOnlyList<AttachmentSource> sources, CancellationToken cancellationToken)
    {
        try
        {
            var channel = Channel(member);
            await channel.DeliverOutboxAsync(cancellationToken).ConfigureAwait(false);
            var sent = await GroupStore.GetGroupMessageAsync(messageId, cancellationToken).ConfigureAwait(false);
            if (sent is null || !sent.Receipts.TryGetValue(member, out var status) || status == MessageStatus.Pending)
            {
                return false;
            }

            for (var i = 0; i < descriptors.Count; i++)
            {
                var (descriptor, source) = (descriptors[i], sources[i]);
                await UploadOnNewStreamAsync(member, stream => channel.UploadAttachmentAsync(messageId, descriptor, source, stream, cancellationToken), cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception ex) when (ex is MessagingException or TransportException or IOException)
        {
            Log.GroupAttachmentFailed(_logger, messageId, member, ex);
            return false;
        }
    }

    /// <summary>One group as seen here, or null when unknown.</summary>
    public Task<GroupInfo?> GetGroupAsync(GroupId group, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Groups.GetInfoAsync(group, cancellationToken);
    }

    /// <summary>Every group known here (also those left or removed from), newest activity first, with unread counts.</summary>
    public async Task<IReadOnlyList<GroupConversation>> GetGroupConversationsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var result = new List<GroupConversation>();
        foreach (var info in await Groups.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var last = await GroupStore.GetGroupMessagesAsync(info.Id, 1, null, cancellationToken).ConfigureAwait(false);
            var unread = await GroupStore.GetUnreadGroupMessagesAsync(info.Id, cancellationToken).ConfigureAwait(false);
            result.Add(new GroupConversation(info, last.Count > 0 ? last[0] : null, unread.Count));
        }

        return result.OrderByDescending(c => c.LastMessage?.Timestamp ?? DateTimeOffset.MinValue).ThenBy(c => c.Group.Id.ToString(), StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The newest <paramref name="limit"/> messages of a group, oldest first; page back with the id of the oldest
    /// message of the previous page as <paramref name="beforeMessageId"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="beforeMessageId"/> is not a message of this group.</exception>
    public async Task<IReadOnlyList<GroupMessage>> GetGroupMessagesAsync(GroupId group, int limit = 50, string? beforeMessageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ThrowIfDisposed();
        _ = Groups;
        return await GroupStore.GetGroupMessagesAsync(group, limit, beforeMessageId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks every unread message of the group read and queues a read receipt to each message's author. Returns
    /// how many were marked.
    /// </summary>
    public async Task<int> MarkGroupReadAsync(GroupId group, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        _ = Groups;
        var unread = await GroupStore.GetUnreadGroupMessagesAsync(group, cancellationToken).ConfigureAwait(false);
        if (unread.Count == 0)
        {
            return 0;
        }

        var now = _options.TimeProvider.GetUtcNow();
        var operations = new List<StoreOperation>(unread.Count + 1);
        operations.AddRange(unread.Select(m => new SetGroupMessageStatus(m.Id, MessageStatus.Read)));
        foreach (var bySender in unread.GroupBy(m => m.Sender))
        {
            foreach (var chunk in bySender.Select(m => m.Id).Chunk(500))
            {
                operations.Add(QueueControl(bySender.Key, ControlRegistry.Wrap(_runtime.NewId(), GroupKinds.Read, new GroupReadBody(group.ToString(), chunk)), now));
            }
        }

        await _options.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
        WakeOutbox(unread.Select(m => m.Sender).Distinct());
        return unread.Count;
    }

    /// <summary>Tells the group's members we are typing (best effort, not queued). Returns how many members it reached.</summary>
    public async Task<int> SendGroupTypingAsync(GroupId group, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var members = await Groups.OtherMembersAsync(group, cancellationToken).ConfigureAwait(false);
        var reached = await Task.WhenAll(members.Select(async m =>
        {
            try
            {
                await SendControlAsync(m, GroupKinds.Typing, new GroupTypingBody(group.ToString()), ControlDelivery.Immediate, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (MessagingException)
            {
                return false;
            }
        })).ConfigureAwait(false);
        return reached.Count(r => r);
    }

    private void RaiseGroupEvent(GroupEvent groupEvent)
    {
        switch (groupEvent)
        {
            case GroupMembershipChangedEvent e: GroupMembershipChanged?.Invoke(this, e); break;
            case GroupMessageReceivedEvent e: GroupMessageReceived?.Invoke(this, e); break;
            case GroupMessageDeliveredEvent e: GroupMessageDelivered?.Invoke(this, e); break;
            case GroupMessageReadEvent e: GroupMessageRead?.Invoke(this, e); break;
            case GroupTypingEvent e: GroupTyping?.Invoke(this, e); break;
        }
    }

    /// <summary>
    /// Hands an inbound control to its registered handler, as one frame of an inbound batch whose operations,
    /// commit and failure the caller owns (tests interleave and fail batches with it, deterministically).
    /// </summary>
    internal ValueTask HandleInboundControlAsync(ControlContext context, ExtensionControl control, CancellationToken cancellationToken) =>
        _runtime.Controls.DispatchAsync(context, control, _logger, cancellationToken);

    /// <summary>Remembers an address in memory (the store copy is written by the caller's batch).</summary>
    internal void RememberAddress(EndpointAddr address)
    {
        if (address.Id != LocalId)
        {
            _addresses[address.Id] = address;
        }
    }

    /// <summary>The address known for a peer (memory, then store), or null.</summary>
    internal Task<EndpointAddr?> KnownAddressAsync(EndpointId peer, CancellationToken cancellationToken) => ResolveAsync(peer, cancellationToken);
}
