using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Messaging;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial outbox list | drop ID|PEER | flush</c>: what waits for delivery, removing what never should go
/// out (a mistyped ticket leaves a peer that never answers), and delivering the rest now.
/// </summary>
internal static class OutboxCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var bind = CommonOptions.Bind("0.0.0.0:0", "Local address to send from.");
        var flushJson = CommonOptions.Json();
        var flush = new Command("flush", "Deliver queued messages now; exit 0 when all went out, 2 when some stay queued.") { bind, flushJson };
        flush.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(flushJson), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var before = (await node.Store.GetAllOutboxAsync(ct)).Count;
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            // A starting client already retries its outbox in the background, so count what left the outbox during
            // this run rather than only what FlushOutboxAsync itself sent.
            await client.FlushOutboxAsync(ct);
            var left = (await node.Store.GetAllOutboxAsync(ct)).Count;
            var sent = Math.Max(0, before - left);
            new Output(console.Out, parse.GetValue(flushJson)).Write(
                $"sent {sent}, still queued {left}{(left > 0 ? " (`irohsocial outbox list` shows them)" : "")}",
                new JsonObject { ["type"] = "outbox_flush", ["sent"] = sent, ["failed"] = left });
            return left == 0 ? ExitCodes.Success : ExitCodes.Queued;
        }, ct));

        var listJson = CommonOptions.Json();
        var list = new Command("list", "List what waits for delivery, per peer, in sending order.") { listJson };
        list.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(listJson), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(listJson), node.Names());
            var items = await DmClient.ListOutboxAsync(node.Store, ct);
            foreach (var item in items)
            {
                output.Write(Describe(output, item), Json("queued_item", item));
            }

            if (items.Count == 0 && !output.Json)
            {
                await console.Out.WriteLineAsync("the outbox is empty");
            }

            return ExitCodes.Success;
        }, ct));

        var target = global.Peer("ID|PEER", "An entry id (or unique prefix) from `outbox list`, or a peer to drop everything queued for.");
        var dropJson = CommonOptions.Json();
        var drop = new Command("drop", "Remove queued items so they are never sent (a dropped message is deleted here too).") { target, dropJson };
        drop.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(dropJson), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(dropJson), node.Names());
            var text = parse.GetValue(target)!.Trim();
            var entries = (await node.Store.GetAllOutboxAsync(ct)).Where(e => e.Id.StartsWith(text, StringComparison.OrdinalIgnoreCase)).ToList();
            ResolvedPeer? peer = null;
            try
            {
                peer = await PeerArgument.ResolveAsync(text, node, ct);
            }
            catch (CliException) when (entries.Count > 0)
            {
                // Not a peer: an entry id.
            }

            IReadOnlyList<OutboxItem> dropped;
            if (peer is not null && entries.Count > 0)
            {
                throw new CliException($"'{text}' names both a peer and a queued item; type more of it.");
            }
            else if (peer is not null)
            {
                dropped = await DmClient.DropOutboxAsync(node.Store, peer.Id, ct);
                if (dropped.Count == 0)
                {
                    throw new CliException($"nothing is queued for {peer.Display}.");
                }
            }
            else if (entries.Count == 1)
            {
                dropped = await DmClient.DropOutboxAsync(node.Store, entries[0].Id, ct) is { } one ? [one] : [];
            }
            else
            {
                throw new CliException($"'{text}' matches {entries.Count} queued items; type more of the id.");
            }

            foreach (var item in dropped)
            {
                output.Write("dropped " + Describe(output, item), Json("dropped", item));
            }

            return ExitCodes.Success;
        }, ct));
        return new Command("outbox", "Work with queued (undelivered) messages.") { list, drop, flush };
    }

    private static string Describe(Output output, OutboxItem item)
    {
        var what = item.Kind switch
        {
            OutboxItemKind.Message => item.Message is { } m ? $"message \"{Shorten(m.Content)}\"{(m.Attachments.Count > 0 ? $" +{m.Attachments.Count} attachment(s)" : "")}" : "message (deleted)",
            OutboxItemKind.ReadReceipt => "read receipt",
            OutboxItemKind.Delete => "delete request",
            _ => "control",
        };
        return $"{Output.ShortId(item.Id)}  to {output.Name(item.Peer)}  {what}  queued {item.QueuedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}, {item.Attempts} failed attempt(s)";
    }

    private static JsonObject Json(string type, OutboxItem item) => new()
    {
        ["type"] = type,
        ["id"] = item.Id,
        ["peer"] = item.Peer.ToString(),
        ["kind"] = item.Kind switch
        {
            OutboxItemKind.Message => "message",
            OutboxItemKind.ReadReceipt => "read_receipt",
            OutboxItemKind.Delete => "delete",
            _ => "other",
        },
        ["text"] = item.Message?.Content,
        ["queued_at"] = item.QueuedAt.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["attempts"] = item.Attempts,
        ["next_attempt_at"] = item.NextAttemptAt.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Shorten(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length > 40 ? line[..40] + "…" : line;
    }
}
