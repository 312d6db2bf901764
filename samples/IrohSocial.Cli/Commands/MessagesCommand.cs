using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial messages PEER [--limit N]</c>: the newest N messages with a peer, oldest first, with their short
/// ids (for <c>--reply-to</c>, <c>delete</c>) and attachments (for <c>attachment save</c>).
/// </summary>
internal static class MessagesCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var peer = global.Peer("PEER", "The peer: ticket, contact name, id or unique id prefix.");
        var limit = new Option<int>("--limit") { Description = "How many messages (newest).", DefaultValueFactory = _ => 20 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--limit must be between 1 and 10000.");
            }
        });
        var json = CommonOptions.Json();
        var command = new Command("messages", "Show messages with a peer (and their attachments).") { peer, limit, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(json), node.Names());
            var who = await PeerArgument.ResolveAsync(parse.GetValue(peer)!, node, ct);
            var messages = await node.Store.GetMessagesAsync(who.Id, parse.GetValue(limit), null, ct);
            Print(output, node, messages);
            if (messages.Count == 0 && !output.Json)
            {
                await console.Out.WriteLineAsync($"no messages with {who.Display}");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    /// <summary>Prints messages as <c>messages</c> does (also used by <c>chat</c> for the history).</summary>
    public static void Print(Output output, CliNode node, IEnumerable<StoredMessage> messages)
    {
        using var receivedFiles = node.OpenReceivedAttachments();
        foreach (var m in messages)
        {
            var arrow = m.Direction == MessageDirection.Incoming ? "<" : ">";
            var status = m.Direction == MessageDirection.Outgoing ? $" ({m.Status.ToString().ToLowerInvariant()})" : "";
            var reply = m.ReplyTo is null ? "" : $" (reply to {Output.ShortId(m.ReplyTo)})";
            var obj = Output.Message(m);
            obj["type"] = "message";
            var lines = new List<string> { $"{m.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss} [{Output.ShortId(m.Id)}] {arrow} {m.Content}{reply}{status}" };
            var files = (JsonArray)obj["attachments"]!;
            for (var i = 0; i < m.Attachments.Count; i++)
            {
                var a = m.Attachments[i];
                var received = m.Direction == MessageDirection.Incoming && receivedFiles.Contains(m.Peer, m.Id, a.Id);
                files[i]!["received"] = m.Direction == MessageDirection.Incoming ? received : null;
                var state = m.Direction == MessageDirection.Outgoing ? "sent" : received ? "received" : "not received";
                lines.Add($"    attachment {Output.ShortId(m.Id)}/{a.Id}  {a.Name}  {a.Size} bytes  {a.MimeType}  {state}");
            }

            output.Write(string.Join('\n', lines), obj);
        }
    }
}
