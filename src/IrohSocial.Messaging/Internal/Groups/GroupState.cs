using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Groups;

namespace IrohSocial.Messaging.Internal.Groups;

/// <summary>
/// A group's membership at one version. Its <see cref="Hash"/> (docs/protocol.md section 11.1) is what the next
/// update names as its previous state, which chains the states.
/// </summary>
internal sealed class GroupState
{
    public const string HashLabel = "iroh-social/group-state/v1";
    public const int MaxMembers = 100;

    private GroupState(GroupId id, string name, ImmutableSortedSet<EndpointId> members, ImmutableSortedSet<EndpointId> admins, ulong version, byte[] previousHash)
    {
        Id = id;
        Name = name;
        Members = members;
        Admins = admins;
        Version = version;
        PreviousHash = previousHash;
        Hash = ComputeHash();
    }

    public GroupId Id { get; }

    public string Name { get; }

    public ImmutableSortedSet<EndpointId> Members { get; }

    public ImmutableSortedSet<EndpointId> Admins { get; }

    /// <summary>1 after the create, +1 per applied update.</summary>
    public ulong Version { get; }

    /// <summary>Hash of the state before (zeros for the first).</summary>
    public byte[] PreviousHash { get; }

    public byte[] Hash { get; }

    /// <summary>The first state, from a create update; null when the update cannot found a group.</summary>
    public static GroupState? Genesis(GroupUpdate create, out string? refusal)
    {
        refusal = create switch
        {
            { Kind: not GroupUpdateKind.Create } => "the first update must be a create",
            _ when create.PreviousHash.Any(b => b != 0) => "a create names no previous state",
            _ when !create.Targets.Contains(create.Author) => "the creator must be a member",
            _ when create.Targets.Count > MaxMembers => "too many members",
            _ => null,
        };
        return refusal is null
            ? new GroupState(create.GroupId, create.Name, [.. create.Targets], [create.Author], 1, new byte[32])
            : null;
    }

    /// <summary>The state after <paramref name="update"/>, or null (with the reason) when it does not apply here.</summary>
    public GroupState? Apply(GroupUpdate update, out string? refusal)
    {
        refusal = Check(update);
        if (refusal is not null)
        {
            return null;
        }

        var members = Members;
        var admins = Admins;
        var name = Name;
        switch (update.Kind)
        {
            case GroupUpdateKind.Add:
                members = members.Union(update.Targets);
                break;
            case GroupUpdateKind.Remove:
                members = members.Except(update.Targets);
                admins = admins.Except(update.Targets);
                break;
            case GroupUpdateKind.Leave:
                members = members.Remove(update.Author);
                admins = admins.Remove(update.Author);
                break;
            case GroupUpdateKind.Rename:
                name = update.Name;
                break;
            case GroupUpdateKind.Promote:
                admins = admins.Union(update.Targets);
                break;
        }

        // A group never stays without an admin while it has members: the smallest remaining key takes over.
        if (admins.IsEmpty && !members.IsEmpty)
        {
            admins = [members.Min];
        }

        return new GroupState(Id, name, members, admins, Version + 1, Hash);
    }

    private string? Check(GroupUpdate update)
    {
        if (update.GroupId != Id)
        {
            return "another group";
        }

        if (!update.PreviousHash.AsSpan().SequenceEqual(Hash))
        {
            return "the previous state hash does not match";
        }

        var byAdmin = Admins.Contains(update.Author);
        return update.Kind switch
        {
            GroupUpdateKind.Create => "a group is created only once",
            GroupUpdateKind.Leave when !Members.Contains(update.Author) => "the author is not a member",
            GroupUpdateKind.Leave when update.Targets.Count != 0 => "a leave names nobody",
            GroupUpdateKind.Leave => null,
            _ when !byAdmin => "the author is not an admin",
            GroupUpdateKind.Add when update.Targets.Count == 0 || update.Targets.Any(Members.Contains) => "adds only new members",
            GroupUpdateKind.Add when Members.Count + update.Targets.Count > MaxMembers => "too many members",
            GroupUpdateKind.Remove when update.Targets.Count == 0 || !update.Targets.All(Members.Contains) => "removes only members",
            GroupUpdateKind.Remove when update.Targets.Contains(update.Author) => "an admin leaves rather than removing itself",
            GroupUpdateKind.Rename when update.Targets.Count != 0 => "a rename names nobody",
            GroupUpdateKind.Promote when update.Targets.Count == 0 || !update.Targets.All(t => Members.Contains(t) && !Admins.Contains(t)) => "promotes only members who are not admins",
            _ => null,
        };
    }

    private byte[] ComputeHash()
    {
        var name = Encoding.UTF8.GetBytes(Name);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.ASCII.GetBytes(HashLabel));
        hash.AppendData([0]);
        hash.AppendData(Id.ToArray());
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(number, Version);
        hash.AppendData(number);
        hash.AppendData(PreviousHash);
        AppendCount(hash, name.Length);
        hash.AppendData(name);
        foreach (var set in new[] { Members, Admins })
        {
            AppendCount(hash, set.Count);
            foreach (var key in set)
            {
                hash.AppendData(key.ToArray());
            }
        }

        return hash.GetHashAndReset();
    }

    private static void AppendCount(IncrementalHash hash, int count)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)count);
        hash.AppendData(bytes);
    }
}
