using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal.Groups;

// Receiving group logs: fork choice, re-signing our lost updates, and who must hear the result
// (docs/protocol.md section 11.3, "who gets which log").
internal sealed partial class GroupService
{
    private async ValueTask OnSyncAsync(ControlContext context, GroupSyncBody body, CancellationToken cancellationToken)
    {
        if (!GroupId.TryParse(body.GroupId, out var group) || body.Log is null)
        {
            throw new MessagingException(MessagingError.MalformedControl, "A group sync misses its group id or log.");
        }

        var incoming = GroupLog.TryBuild(body.Log, out var refusal);
        if (incoming is null || incoming.Id != group)
        {
            Log.GroupRefused(_rt.Logger, group.ToShortString(), context.Peer, refusal ?? "the log is of another group");
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            Entry entry;
            GroupState? before = null;
            if (_groups.TryGetValue(group, out var known))
            {
                var chosen = GroupLog.Choose(known.Log, incoming);
                if (chosen is null)
                {
                    Log.GroupRefused(_rt.Logger, group.ToShortString(), context.Peer, "the log has another create than ours");
                    return;
                }

                before = known.Head;
                entry = new Entry(chosen, known.Revision, new Dictionary<EndpointId, string>(known.Synced));
            }
            else if (incoming.States.Any(s => s.Members.Contains(Me)))
            {
                // Kept even when it already removed us: a log that only adds us may arrive later from someone else.
                entry = new Entry(incoming, 0, []);
            }
            else
            {
                Log.GroupRefused(_rt.Logger, group.ToShortString(), context.Peer, "a group we are not a member of");
                return;
            }

            var learned = false;
            if (incoming.Updates[^1].Hash.AsSpan().SequenceEqual(entry.Log.Updates[^1].Hash) && (!entry.Synced.TryGetValue(context.Peer, out var seen) || seen != entry.HeadHex))
            {
                entry.Synced[context.Peer] = entry.HeadHex;
                learned = true;
            }

            var targets = new HashSet<EndpointId>();
            if (known is not null && !ReferenceEquals(entry.Log, known.Log) && known.Log.NotIn(entry.Log).Any())
            {
                // A fork was resolved against our branch. Whoever was a member anywhere on it and is not in the
                // winner learns from us that it is out (nobody else may tell them); our own lost updates are signed
                // again on the winner, and everyone the re-signed updates concern gets the result.
                targets.UnionWith(MembersSinceFork(known.Log, entry.Log).Except(entry.Head.Members));
                targets.UnionWith(Rebase(entry, known.Log));
            }

            // The sender lacks updates we hold (it is behind, or on a branch that lost): answer with our log rather
            // than count on their authors alone, when it is a member or believes it is one (then it learns it is
            // out). Sent once per head: the marker stops any ping-pong.
            if ((entry.Head.Members.Contains(context.Peer) || incoming.Head.Members.Contains(context.Peer)) && entry.Log.NotIn(incoming).Any())
            {
                targets.Add(context.Peer);
            }

            var operations = new List<StoreOperation>();
            var recipients = await QueueSyncsAsync(entry, targets, operations, cancellationToken, onlyStale: true).ConfigureAwait(false);
            await SaveHintsAsync(body.Addresses, entry.Head, context, cancellationToken).ConfigureAwait(false);
            var changed = known is null || !known.Log.Updates[^1].Hash.AsSpan().SequenceEqual(entry.Log.Updates[^1].Hash);
            if (!changed && !learned && recipients.Count == 0)
            {
                return;
            }

            // Committed here, not with the inbound batch: the cache must never show a log, or a marker, whose
            // queued syncs could still be rolled back (any later save would persist the marker without the sync,
            // and that member would never hear of the update). If the batch then fails, the peer's retry is a no-op.
            operations.Add(Save(entry));
            await _rt.Store.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
            _groups[group] = entry;
            if (recipients.Count > 0)
            {
                _client.WakeOutbox(recipients);
            }

            if (changed)
            {
                context.Raise(before is null
                    ? new GroupMembershipChangedEvent(context.Peer, group, Info(entry), [.. entry.Head.Members], [])
                    : Changed(context.Peer, before, entry));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Everyone who is a member in some state of <paramref name="lost"/> after the point where it leaves <paramref name="winner"/>.</summary>
    private static IEnumerable<EndpointId> MembersSinceFork(GroupLog lost, GroupLog winner)
    {
        var fork = 1;
        while (fork < lost.Updates.Count && fork < winner.Updates.Count && lost.Updates[fork].Hash.AsSpan().SequenceEqual(winner.Updates[fork].Hash))
        {
            fork++;
        }

        return lost.States.Skip(fork).SelectMany(s => s.Members).Distinct();
    }

    /// <summary>
    /// Our own updates that lost a fork are signed again on the winning head when they still mean something and
    /// we may still sign them, so concurrent changes by two admins both take effect. Returns the members of every
    /// state from the winner's head on (an Add and Remove of the same member concern that member even though
    /// neither head lists it); nobody when nothing was signed again.
    /// </summary>
    private IEnumerable<EndpointId> Rebase(Entry entry, GroupLog previous)
    {
        var lost = previous.NotIn(entry.Log).Where(u => u.Author == Me).ToList();
        var start = entry.Log.Updates.Count - 1;
        foreach (var update in lost)
        {
            var head = entry.Head;
            IReadOnlyList<EndpointId> targets = update.Kind switch
            {
                GroupUpdateKind.Add => update.Targets.Where(t => !head.Members.Contains(t)).ToList(),
                GroupUpdateKind.Remove => update.Targets.Where(head.Members.Contains).ToList(),
                GroupUpdateKind.Promote => update.Targets.Where(t => head.Members.Contains(t) && !head.Admins.Contains(t)).ToList(),
                _ => [],
            };
            var meaningful = update.Kind switch
            {
                GroupUpdateKind.Rename => update.Name != head.Name,
                GroupUpdateKind.Leave => head.Members.Contains(Me),
                _ => targets.Count > 0,
            };
            if (!meaningful)
            {
                continue;
            }

            var again = GroupUpdate.Sign(_rt.LocalKey, update.Kind, head.Id, head.Hash, Now(), update.Name, targets);
            if (entry.Log.Append(again, out _) is { } log)
            {
                entry.Log = log;
            }
        }

        return entry.Log.Updates.Count - 1 == start ? [] : entry.Log.States.Skip(start).SelectMany(s => s.Members).Distinct().ToList();
    }
}
