using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;

namespace IrohSocial.Cli.Commands;

/// <summary><c>irohsocial outbox flush</c>: tries every queued message now; exit 0 when none failed, 2 otherwise.</summary>
internal static class OutboxCommand
{
    public static Command Create(CliConsole console, Option<string> data)
    {
        var json = CommonOptions.Json();
        var flush = new Command("flush", "Deliver queued messages now; exit 0 when all went out, 2 when some stay queued.") { json };
        flush.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, async () =>
        {
            await using var node = await CliNode.OpenAsync(parse.GetValue(data)!, ct);
            var client = await node.StartClientAsync(new IPEndPoint(IPAddress.Any, 0), ct);
            var result = await client.FlushOutboxAsync(ct);
            new Output(console.Out, parse.GetValue(json)).Write(
                $"sent {result.Sent}, failed {result.Failed}",
                new JsonObject { ["type"] = "outbox_flush", ["sent"] = result.Sent, ["failed"] = result.Failed });
            return result.Failed == 0 ? ExitCodes.Success : ExitCodes.Queued;
        }, ct));
        return new Command("outbox", "Work with queued (undelivered) messages.") { flush };
    }
}
