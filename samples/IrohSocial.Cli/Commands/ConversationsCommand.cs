using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Messaging;

namespace IrohSocial.Cli.Commands;

/// <summary><c>irohsocial conversations</c>: every conversation, newest first, with its unread count and last message.</summary>
internal static class ConversationsCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var json = CommonOptions.Json();
        var command = new Command("conversations", "List conversations (newest first).") { json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(json), node.Names());
            var conversations = await node.Store.GetConversationsAsync(ct);
            foreach (var c in conversations)
            {
                var body = Output.Message(c.LastMessage);
                output.Write(
                    $"{output.Name(c.Peer),-24}  unread {c.UnreadCount,3}  {c.LastMessage.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm}  {c.LastMessage.Content}",
                    new JsonObject
                    {
                        ["type"] = "conversation",
                        ["peer"] = c.Peer.ToString(),
                        ["conversation_id"] = ConversationId.Compute(node.Key.PublicKey, c.Peer),
                        ["unread"] = c.UnreadCount,
                        ["last_message"] = body,
                    });
            }

            if (conversations.Count == 0 && !output.Json)
            {
                await console.Out.WriteLineAsync("no conversations yet");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
