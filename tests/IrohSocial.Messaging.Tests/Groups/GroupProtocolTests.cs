using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Internal.Groups;

namespace IrohSocial.Messaging.Tests.Groups;

/// <summary>Known answers for the group update and state encodings (docs/protocol.md section 11), the rules that refuse forgeries, and the fork choice.</summary>
public sealed class GroupProtocolTests
{
    private const long Timestamp = 1767268800000;

    // Pinned in docs/protocol.md 11.4 (known answers). Keys are SecretKey.Import(32 x 0x01 / 0x02 / 0x03); group id 32 x 0x11.
    private const string CreateHex =
        "0101111111111111111111111111111111111111111111111111111111111111111100000000000000000000000000000000000000000000000000000000000000008a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c0000019b796dd60000045465616d00028a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b3949f81c825d6f0842f38774186ee4cbb8ecbddf07235847129046ab81322079cb7e4197eee3782d1d802006b1a964eea82c68d78b7d9b282e017f4f5ebae167a02";

    private const string LeaveHex =
        "01041111111111111111111111111111111111111111111111111111111111111111109609d97fc9f319559a286108b98161a057340969ff0c1b1395722e73ca42e68139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b3940000019b796dd60200000000dc4d4b2a7d5da3e88430ad922b548d48365d1d5912c79d49f00f723aac94a9a49bc60dfc0d1739b1ef14c42297179880dae168746e28a05376252bdb57106f09";

    private static readonly GroupId Group = new(Enumerable.Repeat((byte)0x11, 32).ToArray());

    // Six identities for generated histories (fixed, so a failing case replays from its seed).
    private static readonly SecretKey[] Pool = [.. Enumerable.Range(1, 6).Select(i => Key((byte)i))];

    private static SecretKey Key(byte fill) => SecretKey.Import(Enumerable.Repeat(fill, 32).ToArray());

    private static SecretKey Alice => Pool[0];

    private static SecretKey Bob => Pool[1];

    private static SecretKey Carol => Pool[2];

    private static GroupUpdate Create() =>
        GroupUpdate.Sign(Alice, GroupUpdateKind.Create, Group, new byte[32], Timestamp, "Team", [Alice.PublicKey, Bob.PublicKey]);

    private static GroupState Genesis() => GroupState.Genesis(Create(), out _)!;

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [Fact]
    public void Update_KnownAnswer_EncodesExactly()
    {
        Assert.Equal(CreateHex, Hex(Create().Encoded));
        Assert.Equal("2eaf68eb8f21236fdeffc2a013409cbaecb7daeffb7efdfe7e78ac570e5a3190", Hex(Create().Hash));
        var leave = GroupUpdate.Sign(Bob, GroupUpdateKind.Leave, Group, Genesis().Hash, Timestamp + 2, "", []);
        Assert.Equal(LeaveHex, Hex(leave.Encoded));

        var parsed = GroupUpdate.Parse(Convert.FromHexString(CreateHex))!;
        Assert.Equal(GroupUpdateKind.Create, parsed.Kind);
        Assert.Equal("Team", parsed.Name);
        Assert.Equal(Alice.PublicKey, parsed.Author);
        Assert.Equal([Alice.PublicKey, Bob.PublicKey], parsed.Targets);
        Assert.Equal(Timestamp, parsed.TimestampMs);
    }

    [Fact]
    public void GroupControls_KnownAnswer_SerializeExactly()
    {
        var g = new string('1', 64);
        Assert.Equal(
            "{\"type\":\"ext\",\"kind\":\"group.typing\",\"body\":{\"group_id\":\"" + g + "\"},\"id\":\"x1\"}",
            System.Text.Encoding.UTF8.GetString(ControlRegistry.Wrap("x1", GroupKinds.Typing, new GroupTypingBody(g)).ToJson()));
        Assert.Equal(
            "{\"type\":\"ext\",\"kind\":\"group.msg\",\"body\":{\"group_id\":\"" + g + "\",\"message_id\":\"m1\",\"content\":\"hi\",\"timestamp\":1767268800000,\"attachments\":null,\"reply_to\":null},\"id\":\"m1.8a88e3dd7409f195\"}",
            System.Text.Encoding.UTF8.GetString(ControlRegistry.Wrap(GroupService.CopyId("m1", Alice.PublicKey), GroupKinds.Message, new GroupMessageBody(g, "m1", "hi", Timestamp, null, null)).ToJson()));
        Assert.Equal(
            "{\"type\":\"ext\",\"kind\":\"group.sync\",\"body\":{\"group_id\":\"" + g + "\",\"log\":[\"AQI=\"],\"addresses\":[]},\"id\":\"s1\"}",
            System.Text.Encoding.UTF8.GetString(ControlRegistry.Wrap("s1", GroupKinds.Sync, new GroupSyncBody(g, [[1, 2]], [])).ToJson()));
        Assert.Equal(
            "{\"type\":\"ext\",\"kind\":\"group.read\",\"body\":{\"group_id\":\"" + g + "\",\"message_ids\":[\"m1\"]},\"id\":\"r1\"}",
            System.Text.Encoding.UTF8.GetString(ControlRegistry.Wrap("r1", GroupKinds.Read, new GroupReadBody(g, ["m1"])).ToJson()));
        var parsed = Assert.IsType<ExtensionControl>(Control.Parse("{\"id\":\"x1\",\"body\":{\"group_id\":\"z\"},\"kind\":\"group.typing\",\"type\":\"ext\"}"u8));
        Assert.Equal("group.typing", parsed.Kind);
        Assert.Throws<MessagingException>(() => Control.Parse("{\"type\":\"ext\",\"id\":\"x1\",\"kind\":\"\",\"body\":{}}"u8));
        Assert.Throws<MessagingException>(() => Control.Parse("{\"type\":\"ext\",\"id\":\"x1\",\"kind\":\"a.b\"}"u8));
    }

    [Fact]
    public void State_KnownAnswer_HashesExactly()
    {
        var genesis = Genesis();
        Assert.Equal("109609d97fc9f319559a286108b98161a057340969ff0c1b1395722e73ca42e6", Hex(genesis.Hash));
        Assert.Equal(1ul, genesis.Version);
        Assert.Equal([Alice.PublicKey], genesis.Admins);

        var add = GroupUpdate.Sign(Alice, GroupUpdateKind.Add, Group, genesis.Hash, Timestamp + 1, "", [Carol.PublicKey]);
        Assert.Equal("00914c60ef2e4ea128c399065e6306f1cd6ed3f2759bde1bb8078097f42786de", Hex(add.Hash));
        var added = genesis.Apply(add, out _)!;
        Assert.Equal("602bcc07bb5342a1114e8d212e4db0bb4390645e50311601c7ea9daaca91eada", Hex(added.Hash));
        Assert.Equal(genesis.Hash, added.PreviousHash);

        var left = genesis.Apply(GroupUpdate.Parse(Convert.FromHexString(LeaveHex))!, out _)!;
        Assert.Equal("239b5a8481926428fdce0c4b598a694e69d73e3d55e67ad49f01c1897cf43435", Hex(left.Hash));
    }

    [Fact]
    public void Apply_NonAdmin_Refused()
    {
        var byBob = GroupUpdate.Sign(Bob, GroupUpdateKind.Add, Group, Genesis().Hash, Timestamp, "", [Carol.PublicKey]);
        Assert.Null(Genesis().Apply(byBob, out var refusal));
        Assert.Equal("the author is not an admin", refusal);
        Assert.Null(Genesis().Apply(GroupUpdate.Sign(Bob, GroupUpdateKind.Rename, Group, Genesis().Hash, Timestamp, "Mine", []), out _));
        Assert.Null(Genesis().Apply(GroupUpdate.Sign(Bob, GroupUpdateKind.Remove, Group, Genesis().Hash, Timestamp, "", [Alice.PublicKey]), out _));
        Assert.Null(Genesis().Apply(GroupUpdate.Sign(Bob, GroupUpdateKind.Promote, Group, Genesis().Hash, Timestamp, "", [Bob.PublicKey]), out _));
        // A non-member cannot even leave.
        Assert.Null(Genesis().Apply(GroupUpdate.Sign(Carol, GroupUpdateKind.Leave, Group, Genesis().Hash, Timestamp, "", []), out _));
    }

    [Fact]
    public void Apply_WrongPreviousHash_Refused()
    {
        var genesis = Genesis();
        var add = GroupUpdate.Sign(Alice, GroupUpdateKind.Add, Group, genesis.Hash, Timestamp, "", [Carol.PublicKey]);
        var added = genesis.Apply(add, out _)!;
        // The same update again no longer matches the chain (a replay), nor does one naming a made-up state.
        Assert.Null(added.Apply(add, out var replay));
        Assert.Equal("the previous state hash does not match", replay);
        Assert.Null(genesis.Apply(GroupUpdate.Sign(Alice, GroupUpdateKind.Rename, Group, new byte[32], Timestamp, "X", []), out _));
    }

    [Fact]
    public void Parse_BadSignature_Refused()
    {
        var bytes = Convert.FromHexString(CreateHex);
        Assert.All(Enumerable.Range(0, bytes.Length), i =>
        {
            var forged = bytes.ToArray();
            forged[i] ^= 0x01;
            Assert.Null(GroupUpdate.Parse(forged));
        });
        // Another key's valid signature over the same body is not the author's.
        var signedByBob = GroupUpdate.Sign(Bob, GroupUpdateKind.Create, Group, new byte[32], Timestamp, "Team", [Alice.PublicKey, Bob.PublicKey]);
        var spliced = bytes[..^64].Concat(signedByBob.Encoded[^64..]).ToArray();
        Assert.Null(GroupUpdate.Parse(spliced));
    }

    [Fact]
    public void Parse_ArbitraryBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 400].Sample(bytes => { _ = GroupUpdate.Parse(bytes); });
        var valid = Convert.FromHexString(CreateHex);
        Gen.Int[0, valid.Length].Sample(cut => GroupUpdate.Parse(valid[..cut]) is null || cut == valid.Length);
    }

    [Fact]
    public void Log_RemoveAndLastAdminLeaves_SmallestMemberBecomesAdmin()
    {
        var log = GroupLog.TryBuild([Create().Encoded], out _)!;
        log = log.Append(GroupUpdate.Sign(Alice, GroupUpdateKind.Add, Group, log.Head.Hash, Timestamp, "", [Carol.PublicKey]), out _)!;
        log = log.Append(GroupUpdate.Sign(Alice, GroupUpdateKind.Leave, Group, log.Head.Hash, Timestamp, "", []), out _)!;
        Assert.Equal([log.Head.Members.Min], log.Head.Admins);
        Assert.DoesNotContain(Alice.PublicKey, log.Head.Members);
        var rebuilt = GroupLog.TryBuild(log.Updates.Select(u => u.Encoded).ToList(), out _)!;
        Assert.Equal(log.Head.Hash, rebuilt.Head.Hash);
        // A log that skips its middle update no longer chains.
        Assert.Null(GroupLog.TryBuild([log.Updates[0].Encoded, log.Updates[2].Encoded], out _));
    }

    [Fact]
    public void Choose_RemovalBeatsConcurrentChange()
    {
        var log = GroupLog.TryBuild([Create().Encoded], out _)!;
        log = log.Append(GroupUpdate.Sign(Alice, GroupUpdateKind.Promote, Group, log.Head.Hash, Timestamp, "", [Bob.PublicKey]), out _)!;
        var removeBob = log.Append(GroupUpdate.Sign(Alice, GroupUpdateKind.Remove, Group, log.Head.Hash, Timestamp, "", [Bob.PublicKey]), out _)!;
        var bobAdds = log.Append(GroupUpdate.Sign(Bob, GroupUpdateKind.Add, Group, log.Head.Hash, Timestamp, "", [Carol.PublicKey]), out _)!;
        // Bob extends his branch: length does not win against a removal.
        bobAdds = bobAdds.Append(GroupUpdate.Sign(Bob, GroupUpdateKind.Rename, Group, bobAdds.Head.Hash, Timestamp, "Bob's", []), out _)!;
        Assert.Same(removeBob, GroupLog.Choose(removeBob, bobAdds));
        Assert.Same(removeBob, GroupLog.Choose(bobAdds, removeBob));
        Assert.Equal([GroupUpdateKind.Add, GroupUpdateKind.Rename], bobAdds.NotIn(removeBob).Select(u => u.Kind));
    }

    [Fact]
    public void Choose_OtherCreate_Refused()
    {
        var ours = GroupLog.TryBuild([Create().Encoded], out _)!;
        var theirs = GroupLog.TryBuild([GroupUpdate.Sign(Bob, GroupUpdateKind.Create, Group, new byte[32], Timestamp, "Team", [Bob.PublicKey]).Encoded], out _)!;
        Assert.Null(GroupLog.Choose(ours, theirs));
    }

    /// <summary>
    /// Random histories that fork into several branches: whatever order members see the branches in, they all keep
    /// the same one (the choice is symmetric and order-independent), and that one is a valid chain.
    /// </summary>
    [Fact]
    public void Choose_AnyForks_EveryOrderConverges()
    {
        var genBranch = Gen.Int[0, 1000].Array[1, 4];
        Gen.Select(Gen.Int[0, 1000].Array[0, 3], genBranch.Array[2, 4], Gen.Int[0, 1000]).Sample((trunk, branches, shuffle) =>
        {
            var root = Grow(GroupLog.TryBuild([Create().Encoded], out _)!, trunk);
            var logs = branches.Select(b => Grow(root, b)).ToList();
            foreach (var a in logs)
            {
                foreach (var b in logs)
                {
                    if (!SameLog(GroupLog.Choose(a, b)!, GroupLog.Choose(b, a)!))
                    {
                        return false;
                    }
                }
            }

            var forward = logs.Aggregate((x, y) => GroupLog.Choose(x, y)!);
            var random = new Random(shuffle);
            var shuffled = logs.OrderBy(_ => random.Next()).Aggregate((x, y) => GroupLog.Choose(x, y)!);
            return SameLog(forward, shuffled)
                && GroupLog.TryBuild(forward.Updates.Select(u => u.Encoded).ToList(), out _)?.Head.Hash.SequenceEqual(forward.Head.Hash) == true;
        }, iter: 60);
    }

    // Two branches grown by the same choices are the same log (same updates, same head hash) in two objects: either
    // may be chosen, so logs are compared by their head, which the hash chain pins to the whole history.
    private static bool SameLog(GroupLog a, GroupLog b) => a.Head.Hash.AsSpan().SequenceEqual(b.Head.Hash);

    /// <summary>Appends valid updates chosen by <paramref name="choices"/> (each picks an author, a kind and a target).</summary>
    private static GroupLog Grow(GroupLog log, int[] choices)
    {
        foreach (var choice in choices)
        {
            var head = log.Head;
            var admins = head.Admins.ToList();
            var members = head.Members.ToList();
            if (members.Count == 0)
            {
                break;
            }

            var admin = Pool.First(k => k.PublicKey == admins[choice % admins.Count]);
            var outsider = Pool.Select(k => k.PublicKey).Where(k => !head.Members.Contains(k)).ToList();
            var member = members[choice / 7 % members.Count];
            var update = (choice % 5) switch
            {
                0 when outsider.Count > 0 => GroupUpdate.Sign(admin, GroupUpdateKind.Add, Group, head.Hash, choice, "", [outsider[choice / 3 % outsider.Count]]),
                1 when member != admin.PublicKey => GroupUpdate.Sign(admin, GroupUpdateKind.Remove, Group, head.Hash, choice, "", [member]),
                2 when !head.Admins.Contains(member) => GroupUpdate.Sign(admin, GroupUpdateKind.Promote, Group, head.Hash, choice, "", [member]),
                3 => GroupUpdate.Sign(Pool.First(k => k.PublicKey == member), GroupUpdateKind.Leave, Group, head.Hash, choice, "", []),
                _ => GroupUpdate.Sign(admin, GroupUpdateKind.Rename, Group, head.Hash, choice, "n" + choice, []),
            };
            log = log.Append(update, out var refusal) ?? throw new InvalidOperationException(refusal);
        }

        return log;
    }
}
