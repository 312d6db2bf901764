using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Internal.Groups;

/// <summary>
/// Group conversations by pairwise fan-out: every group control travels as one copy per member over the
/// pairwise sessions and outboxes. Holds each group's verified log in memory (the authority while handlers of
/// one inbound batch run before its commit) and persists it with a growing revision.
/// </summary>
/// <remarks>
/// One lock covers all groups. Handlers take it while their peer's session is locked; nothing here ever waits
/// for a session lock while holding it (queueing is a store write, waking a worker never blocks), so no cycle.
/// The cache is written through: every change (a log, the syncs it queues, the per-member markers) is committed
/// in one store write before the cache shows it, also inside inbound handlers (docs/protocol.md section 11.3).
/// </remarks>
internal sealed partial class GroupService
{
    private readonly DmClient _client;
    private readonly DmRuntime _rt;
    private readonly IGroupStore _store;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<GroupId, Entry> _groups = [];
    private bool _loaded;
    // Revisions come from one counter, so a save computed later always outranks one computed earlier.
    private long _revision;

    public GroupService(DmClient client, DmRuntime runtime, IGroupStore store)
    {
        _client = client;
        _rt = runtime;
        _store = store;
        runtime.Controls.Register(GroupKinds.Sync, OnSyncAsync);
        runtime.Controls.Register(GroupKinds.Message, OnMessageAsync);
        runtime.Controls.Register(GroupKinds.Read, OnReadAsync);
        runtime.Controls.Register(GroupKinds.Typing, OnTypingAsync);
        runtime.Controls.OnAcknowledged(OnAcknowledgedAsync);
    }

    private EndpointId Me => _rt.LocalId;

    private sealed class Entry(GroupLog log, long revision, Dictionary<EndpointId, string> synced)
    {
        public GroupLog Log { get; set; } = log;

        public long Revision { get; set; } = revision;

        /// <summary>
        /// Per member: hex of the head whose log was last queued for it (or that it showed us). Only ever saved in
        /// the same store write as that queued sync, so a marker never outlives the sync it stands for.
        /// </summary>
        public Dictionary<EndpointId, string> Synced { get; } = synced;

        public GroupState Head => Log.Head;

        // The last update's hash, not the state hash: two branches can reach equal states through different updates.
        public string HeadHex => Convert.ToHexStringLower(Log.Updates[^1].Hash);
    }

    // ---- local operations ----

    public async Task<GroupInfo> CreateAsync(string name, IReadOnlyList<EndpointAddr> members, CancellationToken cancellationToken)
    {
        var ids = members.Select(m => m.Id).Where(id => id != Me).Distinct().Prepend(Me).ToList();
        if (ids.Count > GroupState.MaxMembers)
        {
            throw new MessagingException(MessagingError.GroupUpdateRefused, $"A group has at most {GroupState.MaxMembers} members.");
        }

        var create = GroupUpdate.Sign(_rt.LocalKey, GroupUpdateKind.Create, GroupId.NewId(), new byte[32], Now(), name, ids);
        var log = GroupLog.TryBuild([create.Encoded], out var refusal) ?? throw new MessagingException(MessagingError.GroupUpdateRefused, "The group cannot be created: " + refusal + ".");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            var entry = new Entry(log, 0, []);
            // In memory first, so the address hints in the logs queued below include them.
            foreach (var member in members)
            {
                _client.RememberAddress(member);
            }

            var operations = members.Where(m => m.Id != Me).Select(m => (StoreOperation)new SavePeerAddress(m.Id, m.ToTicket())).ToList();
            var recipients = await QueueSyncsAsync(entry, log.Head.Members, operations, cancellationToken).ConfigureAwait(false);
            operations.Add(Save(entry));
            await _rt.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
            _groups[log.Id] = entry;

            _client.WakeOutbox(recipients);
            var info = Info(entry);
            _rt.Raise(new GroupMembershipChangedEvent(Me, log.Id, info, [.. log.Head.Members], []));
            return info;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Signs an update on the current head, applies it and queues the new log for old and new members.</summary>
    public async Task<GroupInfo> UpdateAsync(GroupId group, GroupUpdateKind kind, string name, IReadOnlyList<EndpointId> targets, IReadOnlyList<EndpointAddr> addresses, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entry = await GetAsync(group, cancellationToken).ConfigureAwait(false);
            var update = GroupUpdate.Sign(_rt.LocalKey, kind, group, entry.Head.Hash, Now(), name, targets);
            var log = entry.Log.Append(update, out var refusal)
                ?? throw new MessagingException(MessagingError.GroupUpdateRefused, $"The {kind} was refused: {refusal}.");
            var before = entry.Head;
            foreach (var address in addresses)
            {
                _client.RememberAddress(address);
            }

            var operations = addresses.Where(a => a.Id != Me).Select(a => (StoreOperation)new SavePeerAddress(a.Id, a.ToTicket())).ToList();
            var updated = new Entry(log, entry.Revision, new Dictionary<EndpointId, string>(entry.Synced));
            var recipients = await QueueSyncsAsync(updated, before.Members.Union(log.Head.Members), operations, cancellationToken).ConfigureAwait(false);
            operations.Add(Save(updated));
            await _rt.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
            _groups[group] = updated;

            _client.WakeOutbox(recipients);
            var info = Info(updated);
            _rt.Raise(Changed(Me, before, updated));
            return info;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stores the message and queues one copy per other member (after the log when that member lacks our head).</summary>
    public async Task<(string Id, IReadOnlyList<EndpointId> Recipients)> SendAsync(GroupId group, string content, IReadOnlyList<AttachmentDescriptor>? attachments, string? replyTo, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entry = await GetAsync(group, cancellationToken).ConfigureAwait(false);
            if (!entry.Head.Members.Contains(Me))
            {
                throw new MessagingException(MessagingError.NotGroupMember, "You are not a member of this group.");
            }

            var id = _rt.NewId();
            var now = _rt.Time.GetUtcNow();
            var body = new GroupMessageBody(group.ToString(), id, content, now.ToUnixTimeMilliseconds(), attachments, replyTo);
            var recipients = entry.Head.Members.Remove(Me).ToList();
            var message = new GroupMessage(id, group, Me, MessageDirection.Outgoing, content, DateTimeOffset.FromUnixTimeMilliseconds(body.TimestampMs), replyTo,
                attachments?.Select(d => new MediaAttachment(d.Id, d.Name, d.MimeType, d.Size, d.Sha256)).ToList() ?? [],
                recipients.Count == 0 ? MessageStatus.Delivered : MessageStatus.Pending,
                recipients.ToDictionary(r => r, _ => MessageStatus.Pending));
            var operations = new List<StoreOperation> { new InsertGroupMessage(message) };
            var synced = new Dictionary<EndpointId, string>(entry.Synced);
            var staged = new Entry(entry.Log, entry.Revision, synced);
            var resynced = await QueueSyncsAsync(staged, recipients, operations, cancellationToken, onlyStale: true).ConfigureAwait(false);
            foreach (var member in recipients)
            {
                operations.Add(_client.QueueControl(member, ControlRegistry.Wrap(CopyId(id, member), GroupKinds.Message, body), now));
            }

            if (resynced.Count > 0)
            {
                operations.Add(Save(staged));
            }

            await _rt.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
            _groups[group] = staged;
            _client.WakeOutbox(recipients);
            return (id, recipients);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<GroupInfo?> GetInfoAsync(GroupId group, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            return _groups.TryGetValue(group, out var entry) ? Info(entry) : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<GroupInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            return _groups.Values.Select(Info).ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Current members other than us (for typing and receipts); throws when we are not a member.</summary>
    public async Task<IReadOnlyList<EndpointId>> OtherMembersAsync(GroupId group, CancellationToken cancellationToken)
    {
        var info = await GetInfoAsync(group, cancellationToken).ConfigureAwait(false)
            ?? throw new MessagingException(MessagingError.UnknownGroup, $"No group {group.ToShortString()} is known.");
        return info.IsMember
            ? info.Members.Where(m => m != Me).ToList()
            : throw new MessagingException(MessagingError.NotGroupMember, "You are not a member of this group.");
    }

    // ---- inbound (group.sync is in GroupService.Sync.cs) ----

    private async ValueTask OnMessageAsync(ControlContext context, GroupMessageBody body, CancellationToken cancellationToken)
    {
        if (!GroupId.TryParse(body.GroupId, out var group) || body.MessageId is not { Length: > 0 and <= Control.MaxIdLength } || body.Content is null
            || (body.ReplyTo is { Length: > Control.MaxIdLength }) || (body.Attachments is not null && !body.Attachments.All(a => a is not null && a.IsWellFormed())))
        {
            throw new MessagingException(MessagingError.MalformedControl, "A group message misses a required field.");
        }

        if (body.Content.Length > _rt.Options.MaxMessageLength)
        {
            Log.IgnoredControl(_rt.Logger, "group.msg", context.Peer, "content over the length limit");
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            if (!_groups.TryGetValue(group, out var entry) || !entry.Head.Members.Contains(context.Peer) || !entry.Head.Members.Contains(Me))
            {
                // Content only from current members, and only while we are one: a removed member's later messages die here.
                Log.IgnoredControl(_rt.Logger, "group.msg", context.Peer, "not a current member of a group we are in");
                return;
            }

            if (body.Attachments is { Count: > 0 })
            {
                context.ExpectAttachmentsHook?.Invoke(body.MessageId, body.Attachments);
            }

            if (await _store.ContainsGroupMessageAsync(body.MessageId, cancellationToken).ConfigureAwait(false))
            {
                Log.DuplicateDropped(_rt.Logger, body.MessageId, context.Peer);
                return;
            }

            var message = new GroupMessage(body.MessageId, group, context.Peer, MessageDirection.Incoming, body.Content, DateTimeOffset.FromUnixTimeMilliseconds(body.TimestampMs),
                body.ReplyTo, (body.Attachments ?? []).Select(a => new MediaAttachment(a.Id, a.Name, a.MimeType, a.Size, a.Sha256)).ToList(), MessageStatus.Delivered,
                new Dictionary<EndpointId, MessageStatus>());
            context.Store(new InsertGroupMessage(message));
            context.Raise(new GroupMessageReceivedEvent(context.Peer, group, message));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask OnReadAsync(ControlContext context, GroupReadBody body, CancellationToken cancellationToken)
    {
        if (!GroupId.TryParse(body.GroupId, out var group) || body.MessageIds is null || !body.MessageIds.All(m => m is { Length: > 0 and <= Control.MaxIdLength }))
        {
            throw new MessagingException(MessagingError.MalformedControl, "A group read receipt misses a required field.");
        }

        var read = new List<string>();
        foreach (var id in body.MessageIds.Distinct())
        {
            if (await _store.GetGroupMessageAsync(id, cancellationToken).ConfigureAwait(false) is { Direction: MessageDirection.Outgoing } mine
                && mine.Group == group && mine.Receipts.TryGetValue(context.Peer, out var status) && status != MessageStatus.Read)
            {
                context.Store(new SetGroupReceipt(id, context.Peer, MessageStatus.Read));
                read.Add(id);
            }
        }

        if (read.Count > 0)
        {
            context.Raise(new GroupMessageReadEvent(context.Peer, group, read));
        }
    }

    private async ValueTask OnTypingAsync(ControlContext context, GroupTypingBody body, CancellationToken cancellationToken)
    {
        if (!GroupId.TryParse(body.GroupId, out var group))
        {
            throw new MessagingException(MessagingError.MalformedControl, "A group typing control misses its group id.");
        }

        if (await GetInfoAsync(group, cancellationToken).ConfigureAwait(false) is { IsMember: true } info && info.Members.Contains(context.Peer))
        {
            context.Raise(new GroupTypingEvent(context.Peer, group));
        }
    }

    /// <summary>A member acknowledged its copy: that member's receipt becomes delivered.</summary>
    private async ValueTask OnAcknowledgedAsync(ControlContext context, string controlId, CancellationToken cancellationToken)
    {
        if (!TryParseCopyId(controlId, out var messageId, out var memberTag) || !context.Peer.ToString().StartsWith(memberTag, StringComparison.Ordinal))
        {
            return;
        }

        if (await _store.GetGroupMessageAsync(messageId, cancellationToken).ConfigureAwait(false) is { Direction: MessageDirection.Outgoing } mine
            && mine.Receipts.TryGetValue(context.Peer, out var status) && status == MessageStatus.Pending)
        {
            context.Store(new SetGroupReceipt(messageId, context.Peer, MessageStatus.Delivered));
            context.Raise(new GroupMessageDeliveredEvent(context.Peer, mine.Group, messageId));
        }
    }

    // ---- helpers ----

    /// <summary>The id of one member's copy: message id, a dot, the member's first 16 hex chars (unique per outbox).</summary>
    public static string CopyId(string messageId, EndpointId member) => messageId + "." + member.ToString()[..16];

    private static bool TryParseCopyId(string controlId, out string messageId, out string memberTag)
    {
        var dot = controlId.LastIndexOf('.');
        messageId = dot > 0 ? controlId[..dot] : "";
        memberTag = dot > 0 ? controlId[(dot + 1)..] : "";
        return dot > 0 && memberTag.Length == 16;
    }

    /// <summary>
    /// Queues our log for each of <paramref name="members"/> (except us) whose last synced head differs, and marks
    /// them synced. Returns who got one.
    /// </summary>
    private async Task<IReadOnlyList<EndpointId>> QueueSyncsAsync(Entry entry, IEnumerable<EndpointId> members, List<StoreOperation> operations, CancellationToken cancellationToken, bool onlyStale = false)
    {
        var head = entry.HeadHex;
        var targets = members.Where(m => m != Me && (!onlyStale || !entry.Synced.TryGetValue(m, out var seen) || seen != head)).Distinct().ToList();
        if (targets.Count == 0)
        {
            return targets;
        }

        var body = new GroupSyncBody(entry.Log.Id.ToString(), entry.Log.Updates.Select(u => u.Encoded).ToList(), await HintsAsync(entry.Head, cancellationToken).ConfigureAwait(false));
        var now = _rt.Time.GetUtcNow();
        foreach (var member in targets)
        {
            operations.Add(_client.QueueControl(member, ControlRegistry.Wrap(_rt.NewId(), GroupKinds.Sync, body), now));
            entry.Synced[member] = head;
        }

        return targets;
    }

    /// <summary>Address tickets of the members we can reach (ours first), so members who never met can message each other.</summary>
    private async Task<IReadOnlyList<string>> HintsAsync(GroupState head, CancellationToken cancellationToken)
    {
        var hints = new List<string> { _client.LocalAddress.ToTicket() };
        foreach (var member in head.Members.Remove(Me))
        {
            if (await _client.KnownAddressAsync(member, cancellationToken).ConfigureAwait(false) is { } address)
            {
                hints.Add(address.ToTicket());
            }
        }

        return hints;
    }

    /// <summary>Saves hinted addresses of members we know no address for (a hint never replaces one we have).</summary>
    private async Task SaveHintsAsync(IReadOnlyList<string>? hints, GroupState head, ControlContext context, CancellationToken cancellationToken)
    {
        foreach (var hint in (hints ?? []).Take(GroupState.MaxMembers + 1))
        {
            if (hint is null || !EndpointAddr.TryParseTicket(hint, out var address) || address.Id == Me || !head.Members.Contains(address.Id))
            {
                continue;
            }

            // The sender's own address is what it proves by TLS; others only fill gaps.
            if (address.Id == context.Peer || await _client.KnownAddressAsync(address.Id, cancellationToken).ConfigureAwait(false) is null)
            {
                context.Store(new SavePeerAddress(address.Id, hint));
                context.AfterCommit(() => _client.RememberAddress(address));
            }
        }
    }

    private async Task<Entry> GetAsync(GroupId group, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken).ConfigureAwait(false);
        return _groups.TryGetValue(group, out var entry) ? entry : throw new MessagingException(MessagingError.UnknownGroup, $"No group {group.ToShortString()} is known.");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }

        _groups.Clear();
        foreach (var record in await _store.GetGroupsAsync(cancellationToken).ConfigureAwait(false))
        {
            var data = JsonSerializer.Deserialize(record.Data, GroupJsonContext.Default.GroupRecordData)
                ?? throw new InvalidDataException($"Group {record.Group.ToShortString()} has no data.");
            var log = GroupLog.TryBuild(data.Log, out var refusal)
                ?? throw new InvalidDataException($"The stored log of group {record.Group.ToShortString()} does not verify: {refusal}.");
            var synced = data.Synced.Where(p => EndpointId.TryParse(p.Key, out _)).ToDictionary(p => EndpointId.Parse(p.Key), p => p.Value);
            _groups[record.Group] = new Entry(log, record.Revision, synced);
            _revision = Math.Max(_revision, record.Revision);
        }

        _loaded = true;
    }

    private SaveGroup Save(Entry entry)
    {
        entry.Revision = ++_revision;
        var data = new GroupRecordData(entry.Log.Updates.Select(u => u.Encoded).ToList(), entry.Synced.ToDictionary(p => p.Key.ToString(), p => p.Value));
        return new SaveGroup(new GroupRecord(entry.Log.Id, entry.Revision, JsonSerializer.SerializeToUtf8Bytes(data, GroupJsonContext.Default.GroupRecordData)));
    }

    private GroupInfo Info(Entry entry) => ToInfo(entry.Head);

    private GroupInfo ToInfo(GroupState state) =>
        new(state.Id, state.Name, [.. state.Members], [.. state.Admins], state.Version, Convert.ToHexStringLower(state.Hash), state.Members.Contains(Me));

    private GroupMembershipChangedEvent Changed(EndpointId peer, GroupState before, Entry after) =>
        new(peer, after.Log.Id, Info(after), [.. after.Head.Members.Except(before.Members)], [.. before.Members.Except(after.Head.Members)]);

    private long Now() => _rt.Time.GetUtcNow().ToUnixTimeMilliseconds();
}
