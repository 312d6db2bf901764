using CsCheck;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Groups;

/// <summary>
/// Five real clients on loopback run a random mix of adds, removes, leaves, sends, disconnects (clients stopped
/// and restarted on their store) and transient store failures (a node's next ratchet commit fails, so an inbound
/// batch whose handlers already ran is rolled back), without waiting between steps, so updates race and fork.
/// Afterwards every member must hold the same state, messages must have reached exactly the members their sender
/// saw, and a last round of messages reaches exactly the final members.
/// </summary>
public sealed class GroupConvergenceTests(ITestOutputHelper output)
{
    private enum Step
    {
        Add,
        Remove,
        Leave,
        Send,
        Toggle,
        Hiccup,
    }

    private sealed record Op(Step Step, int Actor, int Target)
    {
        public override string ToString() => $"{Step}({Actor}->{Target})";
    }

    // Admins are nodes 0 and 1 (never removed, never leaving); 2..4 come and go.
    private static readonly Gen<Op> GenOp = Gen.OneOf(
        Gen.Select(Gen.Int[0, 1], Gen.Int[2, 4]).Select(p => new Op(Step.Add, p.Item1, p.Item2)),
        Gen.Select(Gen.Int[0, 1], Gen.Int[2, 4]).Select(p => new Op(Step.Remove, p.Item1, p.Item2)),
        Gen.Int[2, 4].Select(a => new Op(Step.Leave, a, a)),
        Gen.Int[0, 4].Select(a => new Op(Step.Send, a, a)),
        Gen.Int[0, 4].Select(a => new Op(Step.Toggle, a, a)),
        Gen.Int[0, 4].Select(a => new Op(Step.Hiccup, a, a)));

    [Fact]
    public async Task RandomMembershipChangesAndDisconnects_MembersConverge()
    {
        await GenOp.Array[6, 14].SampleAsync(RunAsync, iter: 8, threads: 1, print: ops => string.Join(" ", ops.Select(o => o.ToString())));
    }

    private async Task RunAsync(Op[] ops)
    {
        output.WriteLine(string.Join(" ", ops.Select(o => o.ToString())));
        var nodes = new TestNode[5];
        try
        {
            for (var i = 0; i < nodes.Length; i++)
            {
                nodes[i] = await TestNode.CreateAsync("n" + i);
            }

            var group = (await nodes[0].C.CreateGroupAsync("Random", [nodes[1].Address, nodes[2].Address])).Id;
            await nodes[0].C.PromoteGroupMembersAsync(group, [nodes[1].Id]);
            await Eventually.WaitAsync(async () => await nodes[1].C.GetGroupAsync(group) is { Admins.Count: 2 }, "node 1 is an admin", 60);

            var sent = new List<(string Id, int Sender)>();
            foreach (var op in ops)
            {
                await ApplyAsync(nodes, group, op, sent);
            }

            // Everyone back (no failure pending), and every outbox poked, then the group must settle.
            foreach (var node in nodes)
            {
                node.Crashing?.Disarm();
                if (node.Client is null)
                {
                    await node.StartAsync();
                }
            }

            foreach (var node in nodes)
            {
                foreach (var other in nodes.Where(o => o != node))
                {
                    node.C.AddPeer(other.Address);
                }
            }

            GroupInfo final = null!;
            await Eventually.WaitAsync(async () =>
            {
                final = (await nodes[0].C.GetGroupAsync(group))!;
                foreach (var node in nodes)
                {
                    var state = await node.C.GetGroupAsync(group);
                    var shouldBeMember = final.Members.Contains(node.Id);
                    if (shouldBeMember ? state is not { IsMember: true } || state.StateHash != final.StateHash : state is { IsMember: true })
                    {
                        return false;
                    }
                }

                // Settled means nothing is still on its way: an update queued behind a slow outbox can still move the
                // deterministic winner of concurrent updates after the states looked equal for a moment.
                foreach (var node in nodes)
                {
                    foreach (var other in nodes.Where(o => o != node))
                    {
                        if ((await node.Store.GetOutboxAsync(other.Id)).Count > 0)
                        {
                            return false;
                        }
                    }
                }

                return true;
            }, "all members hold the same state", 90).ContinueWith(async t =>
            {
                if (t.IsFaulted)
                {
                    foreach (var node in nodes)
                    {
                        var state = await node.C.GetGroupAsync(group);
                        foreach (var entry in node.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).TakeLast(8))
                        {
                            output.WriteLine($"  {node.Name} log {entry.Id.Id}: {entry.Text}");
                        }

                        if ((await ((IGroupStore)node.Store).GetGroupsAsync()).FirstOrDefault(g => g.Group == group) is { } record)
                        {
                            var data = System.Text.Json.JsonSerializer.Deserialize(record.Data, IrohSocial.Messaging.Internal.Groups.GroupJsonContext.Default.GroupRecordData)!;
                            output.WriteLine($"  {node.Name} rev {record.Revision} log: " + string.Join(" ", data.Log.Select(b => IrohSocial.Messaging.Internal.Groups.GroupUpdate.Parse(b)!).Select(u => $"{u.Kind}:{Array.FindIndex(nodes, n => n.Id == u.Author)}>{string.Join(",", u.Targets.Select(t => Array.FindIndex(nodes, n => n.Id == t)))}#{Convert.ToHexStringLower(u.Hash)[..6]}")));
                        }

                        foreach (var other in nodes.Where(o => o != node))
                        {
                            var queued = await node.Store.GetOutboxAsync(other.Id);
                            if (queued.Count > 0)
                            {
                                output.WriteLine($"  {node.Name} outbox to {other.Name}: {queued.Count} attempts {queued[0].Attempts} head {System.Text.Encoding.UTF8.GetString(queued[0].Payload)[..Math.Min(120, queued[0].Payload.Length)]}");
                            }
                        }

                        foreach (var entry in node.Logs.Entries.Where(e => e.Id.Id is 4004 or 4001 or 4008).TakeLast(3))
                        {
                            output.WriteLine($"  {node.Name} dbg {entry.Id.Id}: {entry.Text}");
                        }

                        output.WriteLine($"{node.Name}: member={state?.IsMember} v{state?.Version} {state?.StateHash[..8]} members={string.Join(",", state?.Members.Select(m => Array.FindIndex(nodes, n => n.Id == m)) ?? [])}");
                    }
                }

                await t;
            }).Unwrap();

            // Each message reached only members its sender saw when sending (removed members stop at once)...
            foreach (var (id, sender) in sent)
            {
                var recipients = (await nodes[sender].C.GetGroupMessagesAsync(group, 1000)).Single(m => m.Id == id).Receipts.Keys.ToHashSet();
                foreach (var node in nodes.Where((_, i) => i != sender))
                {
                    var has = (await node.C.GetGroupMessagesAsync(group, 1000)).Any(m => m.Id == id);
                    Assert.False(has && !recipients.Contains(node.Id), $"{node.Name} got {id} though {nodes[sender].Name} did not send it to them");
                }
            }

            // ...and the admins, members all along, hold the same messages of each other.
            // (Waiting: a copy queued while its recipient was down may still be on its way.)
            await Eventually.WaitAsync(async () =>
            {
                var core = await Task.WhenAll(nodes[..2].Select(async n => (await n.C.GetGroupMessagesAsync(group, 1000))
                    .Where(m => m.Sender == nodes[0].Id || m.Sender == nodes[1].Id).Select(m => m.Id).Order().ToList()));
                return core[0].SequenceEqual(core[1]);
            }, "the admins hold the same messages of each other", 60);

            // A last round: every final member's message reaches exactly the final members.
            var members = nodes.Where(n => final.Members.Contains(n.Id)).ToList();
            var last = new List<string>();
            foreach (var member in members)
            {
                last.Add(await member.C.SendGroupMessageAsync(group, "last from " + member.Name));
            }

            await Eventually.WaitAsync(async () =>
            {
                foreach (var member in members)
                {
                    var ids = (await member.C.GetGroupMessagesAsync(group, 1000)).Select(m => m.Id).ToHashSet();
                    if (!last.All(ids.Contains))
                    {
                        return false;
                    }
                }

                return true;
            }, "every final member has the last round", 90);

            foreach (var node in nodes)
            {
                await node.C.FlushOutboxAsync();
            }

            foreach (var outsider in nodes.Except(members))
            {
                var ids = (await outsider.C.GetGroupMessagesAsync(group, 1000)).Select(m => m.Id).ToHashSet();
                Assert.DoesNotContain(ids, last.Contains);
            }

            foreach (var member in members)
            {
                var mine = (await member.C.GetGroupMessagesAsync(group, 1000)).Where(m => last.Contains(m.Id) && m.Direction == MessageDirection.Outgoing).Single();
                await Eventually.WaitAsync(async () => (await member.C.GetGroupMessagesAsync(group, 1000)).Single(m => m.Id == mine.Id).Status == MessageStatus.Delivered, "delivered to every member", 60);
            }
        }
        finally
        {
            foreach (var node in nodes.Where(n => n is not null))
            {
                await node.DisposeAsync();
            }
        }
    }

    private static async Task ApplyAsync(TestNode[] nodes, GroupId group, Op op, List<(string Id, int Sender)> sent)
    {
        var actor = nodes[op.Actor];
        if (op.Step == Step.Toggle)
        {
            // At most two down at once, so something keeps happening.
            if (actor.Client is not null && nodes.Count(n => n.Client is null) < 2)
            {
                await actor.StopAsync();
            }
            else if (actor.Client is null)
            {
                await actor.StartAsync();
            }

            return;
        }

        if (op.Step == Step.Hiccup)
        {
            actor.Crashing?.FailNextRatchetWrite();
            return;
        }

        if (actor.Client is null)
        {
            return;
        }

        try
        {
            switch (op.Step)
            {
                case Step.Add:
                    await actor.C.AddGroupMembersAsync(group, [nodes[op.Target].Address]);
                    break;
                case Step.Remove:
                    await actor.C.RemoveGroupMembersAsync(group, [nodes[op.Target].Id]);
                    break;
                case Step.Leave:
                    await actor.C.LeaveGroupAsync(group);
                    break;
                case Step.Send:
                    sent.Add((await actor.C.SendGroupMessageAsync(group, $"from {actor.Name}"), op.Actor));
                    break;
            }
        }
        catch (MessagingException ex) when (ex.Error is MessagingError.GroupUpdateRefused or MessagingError.NotGroupMember or MessagingError.UnknownGroup)
        {
            // The actor's view does not allow it (not a member yet, already removed, ...): a no-op, as in an app.
        }
    }
}
