using System.CommandLine;
using System.Text.Json.Nodes;

namespace IrohSocial.Cli.Commands;

/// <summary><c>irohsocial outbox flush</c>: tries every queued message now; exit 0 when none failed, 2 otherwise.</summary>
internal static class OutboxCommand
{
    public static Command Create(CliConsole console, Option<string> data)
    {
        var bind = CommonOptions.Bind("0.0.0.0:0", "Local address to send from.");
        var json = CommonOptions.Json();
        var flush = new Command("flush", "Deliver queued messages now; exit 0 when all went out, 2 when some stay queued.") { bind, json };
        flush.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, async () =>
        {
            await using var node = await CliNode.OpenAsync(parse.GetValue(data)!, ct);
            var before = await CountQueuedAsync(node, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct, RelayCommand.Relays(parse));
            // A starting client already retries its outbox in the background, so count what left the outbox during
            // this run rather than only what FlushOutboxAsync itself sent.
            await client.FlushOutboxAsync(ct);
            var left = await CountQueuedAsync(node, ct);
            var sent = Math.Max(0, before - left);
            new Output(console.Out, parse.GetValue(json)).Write(
                $"sent {sent}, still queued {left}",
                new JsonObject { ["type"] = "outbox_flush", ["sent"] = sent, ["failed"] = left });
            return left == 0 ? ExitCodes.Success : ExitCodes.Queued;
        }, ct));
        return new Command("outbox", "Work with queued (undelivered) messages.") { flush };
    }

    private static async Task<int> CountQueuedAsync(CliNode node, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var peer in await node.Store.GetOutboxPeersAsync(cancellationToken))
        {
            count += (await node.Store.GetOutboxAsync(peer, cancellationToken)).Count;
        }

        return count;
    }
}
