using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Messaging;

namespace IrohSocial.Cli.Commands;

/// <summary><c>irohsocial conversation delete PEER</c>: deletes a whole conversation here (not at the peer).</summary>
internal static class ConversationCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var peer = global.Peer("PEER", "The peer: ticket, contact name, id or unique id prefix.");
        var json = CommonOptions.Json();
        var delete = new Command("delete", "Delete every message with a peer here, and drop what is queued for it (the peer keeps its copy).") { peer, json };
        delete.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var who = await PeerArgument.ResolveAsync(parse.GetValue(peer)!, node, ct);
            var (messages, queued) = await DmClient.DeleteConversationAsync(node.Store, who.Id, ct);
            new Output(console.Out, parse.GetValue(json)).Write(
                $"deleted the conversation with {who.Display}: {messages} message(s), {queued} queued item(s) dropped",
                new JsonObject { ["type"] = "conversation_deleted", ["peer"] = who.Id.ToString(), ["messages"] = messages, ["dropped"] = queued });
            return ExitCodes.Success;
        }, ct));
        return new Command("conversation", "Work with one conversation.") { delete };
    }
}
