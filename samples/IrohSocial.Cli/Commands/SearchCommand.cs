using System.CommandLine;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Cli.Commands;

/// <summary><c>irohsocial search TEXT [--peer PEER] [--limit N]</c>: stored messages containing every word (or word start), newest first.</summary>
internal static class SearchCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var text = new Argument<string>("TEXT") { Description = "Words to find; each matches a whole word or its start, ignoring case and accents." };
        var peer = new Option<string?>("--peer") { Description = "Only the conversation with this peer (ticket, contact name, or id prefix)." };
        var limit = new Option<int>("--limit") { Description = "Most results (newest).", DefaultValueFactory = _ => 20 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--limit must be between 1 and 10000.");
            }
        });
        var json = CommonOptions.Json();
        var command = new Command("search", "Search stored messages (the index is built in memory; nothing is written to disk).") { text, peer, limit, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            await using var node = await global.OpenAsync(parse, console, ct);
            EndpointId? only = parse.GetValue(peer) is { } p ? (await PeerArgument.ResolveAsync(p, node, ct)).Id : null;
            // Search lives on the client; a loopback port nobody knows keeps this run to itself.
            var client = await node.StartClientAsync(new IPEndPoint(IPAddress.Loopback, 0), ct);
            foreach (var m in await client.SearchMessagesAsync(parse.GetValue(text)!, only, parse.GetValue(limit), cancellationToken: ct))
            {
                var arrow = m.Direction == MessageDirection.Incoming ? "<" : ">";
                var obj = Output.Message(m);
                obj["type"] = "message";
                output.Write($"{m.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm:ss} {m.Peer.ToShortString()} {arrow} {m.Content}", obj);
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
