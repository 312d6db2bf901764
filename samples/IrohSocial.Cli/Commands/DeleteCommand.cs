using System.CommandLine;
using System.Text.Json.Nodes;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial delete ID</c>: deletes a message here and asks the peer to delete it too; exit 0 when the peer
/// confirmed, 2 when the request waits in the outbox (the message is gone here either way).
/// </summary>
internal static class DeleteCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var id = new Argument<string>("ID") { Description = "The message id, or a unique prefix (as `messages` prints it)." };
        var bind = CommonOptions.Bind("0.0.0.0:0", "Local address to send from.");
        var timeout = CommonOptions.Timeout(10);
        var json = CommonOptions.Json();
        var command = new Command("delete", "Delete a message here and at the peer.") { id, bind, timeout, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(json), node.Names());
            var message = await MessageArgument.ResolveAsync(parse.GetValue(id)!, node, ct);
            var peer = await PeerArgument.ResolveAsync(message.Peer.ToString(), node, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            if (peer.Address is not null)
            {
                client.AddPeer(peer.Address);
            }

            await client.DeleteMessageAsync(message.Id, ct);
            var attempt = client.FlushPeerOutboxAsync(peer.Id, ct);
            await Task.WhenAny(attempt, Task.Delay(TimeSpan.FromSeconds(parse.GetValue(timeout)), ct));
            var confirmed = (await node.Store.GetOutboxAsync(peer.Id, ct)).Count == 0;
            output.Write(
                confirmed
                    ? $"deleted {Output.ShortId(message.Id)} here and at {peer.Display}"
                    : $"deleted {Output.ShortId(message.Id)} here; the request to {peer.Display} waits in the outbox (`irohsocial outbox flush` retries)",
                new JsonObject { ["type"] = "deleted", ["id"] = message.Id, ["peer"] = peer.Id.ToString(), ["peer_confirmed"] = confirmed });
            return confirmed ? ExitCodes.Success : ExitCodes.Queued;
        }, ct));
        return command;
    }
}
