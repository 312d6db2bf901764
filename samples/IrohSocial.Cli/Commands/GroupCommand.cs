using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial group create|add|remove|send|list|messages</c>: group conversations. Changes and messages are
/// queued per member and delivered now when the member answers within <c>--timeout</c>, later otherwise (by
/// <c>listen</c>, <c>chat</c> or <c>outbox flush</c>).
/// </summary>
internal static class GroupCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var command = new Command("group", "Group conversations: create, add, remove, send, list, messages.");
        command.Subcommands.Add(CreateGroup(console, global));
        command.Subcommands.Add(Change(console, global, "add", "Add a member (admins only)."));
        command.Subcommands.Add(Change(console, global, "remove", "Remove a member (admins only)."));
        command.Subcommands.Add(Send(console, global));
        command.Subcommands.Add(List(console, global));
        command.Subcommands.Add(Messages(console, global));
        return command;
    }

    private static Command CreateGroup(CliConsole console, GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "The group's name." };
        var tickets = new Argument<string[]>("TICKET") { Description = "Tickets of the other members.", Arity = ArgumentArity.OneOrMore };
        var (bind, timeout, json) = NetworkOptions();
        var command = new Command("create", "Create a group; prints its id.") { name, tickets, bind, timeout, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            var members = parse.GetValue(tickets)!.Select(t => PeerArgument.ParseTicket(t)).ToList();
            await using var node = await global.OpenAsync(parse, console, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            var group = await client.CreateGroupAsync(parse.GetValue(name)!, members, ct);
            var queued = await DeliverAsync(client, parse.GetValue(timeout), ct);
            output.Write(group.Id.ToString(), With(Info(group), "group", queued));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Change(CliConsole console, GlobalOptions global, string verb, string description)
    {
        var groupId = GroupArgument();
        var member = new Argument<string>("TICKET") { Description = verb == "add" ? "The new member's ticket." : "The member's ticket or id." };
        var (bind, timeout, json) = NetworkOptions();
        var command = new Command(verb, description) { groupId, member, bind, timeout, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            var group = ParseGroup(parse.GetValue(groupId)!);
            var text = parse.GetValue(member)!;
            await using var node = await global.OpenAsync(parse, console, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            var state = verb == "add"
                ? await client.AddGroupMembersAsync(group, [PeerArgument.ParseTicket(text)], ct)
                : await client.RemoveGroupMembersAsync(group, [EndpointAddr.TryParseTicket(text, out var addr) ? addr.Id : PeerArgument.ParseId(text)], ct);
            var queued = await DeliverAsync(client, parse.GetValue(timeout), ct);
            output.Write($"{group} now has {state.Members.Count} member(s), version {state.Version}", With(Info(state), "group", queued));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Send(CliConsole console, GlobalOptions global)
    {
        var groupId = GroupArgument();
        var text = new Argument<string>("TEXT") { Description = "The message." };
        var (bind, timeout, json) = NetworkOptions();
        var command = new Command("send", "Send to every member; exit 0 when all acknowledged, 2 when some copies stay queued.") { groupId, text, bind, timeout, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            var group = ParseGroup(parse.GetValue(groupId)!);
            await using var node = await global.OpenAsync(parse, console, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            var id = await client.SendGroupMessageAsync(group, parse.GetValue(text)!, cancellationToken: ct);
            await DeliverAsync(client, parse.GetValue(timeout), ct);
            var sent = (await node.Store.GetGroupMessageAsync(id, ct))!;
            var pending = sent.Receipts.Count(r => r.Value == MessageStatus.Pending);
            output.Write(
                pending == 0 ? $"delivered {id} to {sent.Receipts.Count} member(s)" : $"queued {id}: {pending} of {sent.Receipts.Count} member(s) did not answer; `irohsocial outbox flush` retries",
                new JsonObject { ["type"] = pending == 0 ? "delivered" : "queued", ["id"] = id, ["group"] = group.ToString(), ["pending"] = pending, ["members"] = sent.Receipts.Count });
            return pending == 0 ? ExitCodes.Success : ExitCodes.Queued;
        }, ct));
        return command;
    }

    private static Command List(CliConsole console, GlobalOptions global)
    {
        var json = CommonOptions.Json();
        var command = new Command("list", "List groups (newest activity first).") { json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            await using var node = await global.OpenAsync(parse, console, ct);
            // The group state is sealed and verified by the client, so listing starts one (loopback, any port).
            var client = await node.StartClientAsync(CommonOptions.ParseBind("127.0.0.1:0"), ct);
            var groups = await client.GetGroupConversationsAsync(ct);
            foreach (var g in groups)
            {
                var info = Info(g.Group);
                info["unread"] = g.UnreadCount;
                var status = g.Group.IsMember ? "" : "  (not a member)";
                output.Write($"{g.Group.Id}  {g.Group.Name}  members {g.Group.Members.Count}  unread {g.UnreadCount}{status}", With(info, "group", null));
            }

            if (groups.Count == 0 && !output.Json)
            {
                await console.Out.WriteLineAsync("no groups yet");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Messages(CliConsole console, GlobalOptions global)
    {
        var groupId = GroupArgument();
        var limit = new Option<int>("--limit") { Description = "How many of the newest messages.", DefaultValueFactory = _ => 50 };
        var json = CommonOptions.Json();
        var command = new Command("messages", "Show a group's messages, oldest first.") { groupId, limit, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            var group = ParseGroup(parse.GetValue(groupId)!);
            await using var node = await global.OpenAsync(parse, console, ct);
            foreach (var m in await node.Store.GetGroupMessagesAsync(group, parse.GetValue(limit), null, ct))
            {
                output.Write($"{m.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss} {m.Sender.ToShortString()}: {m.Content}  [{m.Status.ToString().ToLowerInvariant()}]", GroupOutput.Message(m));
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Argument<string> GroupArgument() => new("GROUP") { Description = "The group id (64 hex chars, from `group create` or `group list`)." };

    private static (Option<string> Bind, Option<double> Timeout, Option<bool> Json) NetworkOptions() =>
        (CommonOptions.Bind("0.0.0.0:0", "Local address to send from."), CommonOptions.Timeout(10), CommonOptions.Json());

    private static GroupId ParseGroup(string text) =>
        GroupId.TryParse(text.Trim().ToLowerInvariant(), out var id) ? id : throw new CliException("A group id is 64 hex characters.");

    /// <summary>Tries the outbox until it is empty or the time is up; returns how many entries stay queued.</summary>
    private static async Task<int> DeliverAsync(DmClient client, double seconds, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var result = await client.FlushOutboxAsync(cancellationToken);
            if (result.Failed == 0 || DateTime.UtcNow >= deadline)
            {
                return result.Failed;
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static JsonObject Info(GroupInfo g) => new()
    {
        ["id"] = g.Id.ToString(),
        ["name"] = g.Name,
        ["members"] = new JsonArray([.. g.Members.Select(m => (JsonNode)m.ToString())]),
        ["admins"] = new JsonArray([.. g.Admins.Select(m => (JsonNode)m.ToString())]),
        ["version"] = g.Version,
        ["is_member"] = g.IsMember,
    };

    private static JsonObject With(JsonObject obj, string type, int? queued)
    {
        obj["type"] = type;
        if (queued is not null)
        {
            obj["queued"] = queued;
        }

        return obj;
    }
}

/// <summary>How group events and messages print (used by <c>listen</c> and <c>group messages</c>).</summary>
internal static class GroupOutput
{
    public static JsonObject Message(GroupMessage m) => new()
    {
        ["type"] = "group_message",
        ["group"] = m.Group.ToString(),
        ["id"] = m.Id,
        ["sender"] = m.Sender.ToString(),
        ["direction"] = m.Direction == MessageDirection.Incoming ? "in" : "out",
        ["text"] = m.Content,
        ["timestamp"] = m.Timestamp.ToString("O"),
        ["reply_to"] = m.ReplyTo,
        ["status"] = m.Status.ToString().ToLowerInvariant(),
    };

    public static void Write(Output output, GroupEvent e)
    {
        var group = e.Group.ToShortString();
        switch (e)
        {
            case GroupMessageReceivedEvent r:
                output.Write($"{r.Message.Timestamp.ToLocalTime():HH:mm:ss} [{r.Group}] {r.Peer.ToShortString()}: {r.Message.Content}", Message(r.Message));
                break;
            case GroupMembershipChangedEvent c:
                output.Write(
                    $"  group {group} \"{c.State.Name}\": {c.State.Members.Count} member(s){(c.State.IsMember ? "" : ", you are no longer a member")}",
                    new JsonObject
                    {
                        ["type"] = "group_changed",
                        ["group"] = c.Group.ToString(),
                        ["name"] = c.State.Name,
                        ["members"] = c.State.Members.Count,
                        ["is_member"] = c.State.IsMember,
                        ["joined"] = new JsonArray([.. c.Joined.Select(j => (JsonNode)j.ToString())]),
                        ["departed"] = new JsonArray([.. c.Departed.Select(d => (JsonNode)d.ToString())]),
                    });
                break;
            case GroupMessageDeliveredEvent d:
                output.Write($"  delivered {d.MessageId} to {d.Peer.ToShortString()} in {group}", new JsonObject { ["type"] = "group_delivered", ["group"] = d.Group.ToString(), ["peer"] = d.Peer.ToString(), ["id"] = d.MessageId });
                break;
            case GroupMessageReadEvent rd:
                output.Write($"  {rd.Peer.ToShortString()} read {rd.MessageIds.Count} message(s) in {group}", new JsonObject { ["type"] = "group_read", ["group"] = rd.Group.ToString(), ["peer"] = rd.Peer.ToString(), ["ids"] = new JsonArray([.. rd.MessageIds.Select(i => (JsonNode)i)]) });
                break;
            case GroupTypingEvent:
                output.Write($"  {e.Peer.ToShortString()} is typing in {group}…", new JsonObject { ["type"] = "group_typing", ["group"] = e.Group.ToString(), ["peer"] = e.Peer.ToString() });
                break;
        }
    }
}
