using System.CommandLine;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Cli.Commands;

/// <summary><c>irohsocial messages PEER [--limit N]</c>: the newest N messages with a peer, oldest first.</summary>
internal static class MessagesCommand
{
    public static Command Create(CliConsole console, Option<string> data)
    {
        var peer = new Argument<string>("PEER") { Description = "The peer's ticket or 64-character hex id." };
        var limit = new Option<int>("--limit") { Description = "How many messages (newest).", DefaultValueFactory = _ => 20 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--limit must be between 1 and 10000.");
            }
        });
        var json = CommonOptions.Json();
        var command = new Command("messages", "Show messages with a peer.") { peer, limit, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            var id = PeerArgument.ParseId(parse.GetValue(peer)!);
            await using var node = await CliNode.OpenAsync(parse.GetValue(data)!, ct);
            foreach (var m in await node.Store.GetMessagesAsync(id, parse.GetValue(limit), null, ct))
            {
                var arrow = m.Direction == MessageDirection.Incoming ? "<" : ">";
                var status = m.Direction == MessageDirection.Outgoing ? $" ({m.Status.ToString().ToLowerInvariant()})" : "";
                var obj = Output.Message(m);
                obj["type"] = "message";
                output.Write($"{m.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss} {arrow} {m.Content}{status}", obj);
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
