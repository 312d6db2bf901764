using System.Collections.Concurrent;
using System.CommandLine;
using System.Text.Json.Nodes;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial send TICKET TEXT</c>: exit 0 once the peer acknowledged the message, exit 2 when it stays queued
/// in the outbox (it is delivered by a later <c>listen</c>, <c>chat</c> or <c>outbox flush</c>).
/// </summary>
internal static class SendCommand
{
    public static Command Create(CliConsole console, Option<string> data)
    {
        var ticket = new Argument<string>("TICKET") { Description = "The peer's ticket." };
        var text = new Argument<string>("TEXT") { Description = "The message." };
        var bind = CommonOptions.Bind("0.0.0.0:0", "Local address to send from.");
        var timeout = CommonOptions.Timeout(10);
        var json = CommonOptions.Json();
        var command = new Command("send", "Send one message; exit 0 when delivered, 2 when queued in the outbox.") { ticket, text, bind, timeout, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            var peer = PeerArgument.ParseTicket(parse.GetValue(ticket)!, console.Error);
            await using var node = await CliNode.OpenAsync(parse.GetValue(data)!, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            var delivered = new ConcurrentDictionary<string, TaskCompletionSource>();
            client.MessageDelivered += (_, e) => delivered.GetOrAdd(e.MessageId, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            var id = await client.SendMessageAsync(peer, parse.GetValue(text)!, cancellationToken: ct);
            var done = delivered.GetOrAdd(id, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            var wait = TimeSpan.FromSeconds(parse.GetValue(timeout));
            if (await Task.WhenAny(done, Task.Delay(wait, ct)) == done)
            {
                output.Write($"delivered {id}", new JsonObject { ["type"] = "delivered", ["id"] = id, ["peer"] = peer.Id.ToString() });
                return ExitCodes.Success;
            }

            output.Write(
                $"queued {id} in the outbox ({peer.Id.ToShortString()} did not answer within {wait.TotalSeconds:0}s); `irohsocial outbox flush` retries",
                new JsonObject { ["type"] = "queued", ["id"] = id, ["peer"] = peer.Id.ToString() });
            return ExitCodes.Queued;
        }, ct));
        return command;
    }
}
