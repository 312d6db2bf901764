using IrohSocial.Messaging.Groups;

namespace IrohSocial.Messaging.Internal.Groups;

/// <summary>
/// A group's history: the chain of signed updates from its create, each applied to the state the one before
/// produced. A log is only ever built by <see cref="TryBuild"/>, so every log in memory is fully verified.
/// </summary>
internal sealed class GroupLog
{
    /// <summary>Most updates a group keeps (the whole log travels in one frame).</summary>
    public const int MaxUpdates = 400;

    private GroupLog(IReadOnlyList<GroupUpdate> updates, IReadOnlyList<GroupState> states)
    {
        Updates = updates;
        States = states;
    }

    public IReadOnlyList<GroupUpdate> Updates { get; }

    /// <summary><c>States[i]</c> is the state after <c>Updates[i]</c>.</summary>
    public IReadOnlyList<GroupState> States { get; }

    public GroupState Head => States[^1];

    public GroupId Id => Head.Id;

    /// <summary>Verifies every signature and every link; null (with the reason) for anything invalid.</summary>
    public static GroupLog? TryBuild(IReadOnlyList<byte[]> encoded, out string? refusal)
    {
        refusal = null;
        if (encoded.Count is 0 or > MaxUpdates)
        {
            refusal = "a log holds 1 to " + MaxUpdates + " updates";
            return null;
        }

        var updates = new List<GroupUpdate>(encoded.Count);
        var states = new List<GroupState>(encoded.Count);
        foreach (var bytes in encoded)
        {
            var update = GroupUpdate.Parse(bytes);
            if (update is null)
            {
                refusal = "an update is malformed or its signature does not verify";
                return null;
            }

            var next = states.Count == 0 ? GroupState.Genesis(update, out refusal) : states[^1].Apply(update, out refusal);
            if (next is null)
            {
                return null;
            }

            updates.Add(update);
            states.Add(next);
        }

        return new GroupLog(updates, states);
    }

    /// <summary>This log plus one update; null (with the reason) when it does not apply to the head.</summary>
    public GroupLog? Append(GroupUpdate update, out string? refusal)
    {
        if (Updates.Count >= MaxUpdates)
        {
            refusal = "the group's log is full";
            return null;
        }

        var next = Head.Apply(update, out refusal);
        return next is null ? null : new GroupLog([.. Updates, update], [.. States, next]);
    }

    /// <summary>
    /// The deterministic choice between two valid logs of the same group (docs/protocol.md section 11.3): when
    /// one extends the other, the longer; when they fork, the branch whose first update after the fork ranks
    /// first: a removal or leave before any other kind (so a concurrent change never undoes a removal), then
    /// the smaller update hash. The rule is symmetric, so every member that saw the same logs keeps the same one.
    /// Returns null when the logs are of different groups (different creates).
    /// </summary>
    public static GroupLog? Choose(GroupLog a, GroupLog b)
    {
        if (!a.Updates[0].Hash.AsSpan().SequenceEqual(b.Updates[0].Hash))
        {
            return null;
        }

        var common = Math.Min(a.Updates.Count, b.Updates.Count);
        for (var i = 1; i < common; i++)
        {
            var x = a.Updates[i];
            var y = b.Updates[i];
            if (!x.Hash.AsSpan().SequenceEqual(y.Hash))
            {
                return Rank(x) != Rank(y)
                    ? (Rank(x) < Rank(y) ? a : b)
                    : (x.Hash.AsSpan().SequenceCompareTo(y.Hash) < 0 ? a : b);
            }
        }

        return a.Updates.Count >= b.Updates.Count ? a : b;
    }

    private static int Rank(GroupUpdate update) => update.Kind is GroupUpdateKind.Remove or GroupUpdateKind.Leave ? 0 : 1;

    /// <summary>Updates of this log that <paramref name="other"/> does not contain (the losing branch's tail).</summary>
    public IEnumerable<GroupUpdate> NotIn(GroupLog other)
    {
        var known = other.Updates.Select(u => Convert.ToHexString(u.Hash)).ToHashSet(StringComparer.Ordinal);
        return Updates.Where(u => !known.Contains(Convert.ToHexString(u.Hash)));
    }
}
