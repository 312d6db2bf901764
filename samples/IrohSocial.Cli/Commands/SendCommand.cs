using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using IrohSocial.Messaging;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial send PEER [TEXT]</c>: exit 0 once the peer acknowledged the message, exit 2 when it stays queued
/// in the outbox (it is delivered by a later <c>listen</c>, <c>chat</c> or <c>outbox flush</c>), exit 3 when the peer
/// was unreachable and its ticket names a mailbox that took the message. A peer that refuses the connection is offline
/// now: that is reported at once, without waiting for <c>--timeout</c>.
/// </summary>
internal static class SendCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var peerArgument = global.Peer("PEER", "The peer: ticket, contact name, id (prefix) of a peer whose address is known, or the full id of one on the LAN.");
        var text = new Argument<string?>("TEXT") { Description = "The message; omit it (or give '-') to read it from stdin.", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file", "-f") { Description = "Read the message text from this file." };
        var attach = new Option<string[]>("--attach", "-a") { Description = "Attach a file (repeatable); the peer must be online.", AllowMultipleArgumentsPerToken = false };
        var replyTo = new Option<string?>("--reply-to") { Description = "Id (or unique prefix) of the message this one answers." };
        var bind = CommonOptions.Bind("0.0.0.0:0", "Local address to send from.");
        var timeout = CommonOptions.Timeout(10);
        var json = CommonOptions.Json();
        var command = new Command("send", "Send one message; exit 0 when delivered, 2 when queued in the outbox, 3 when left in the peer's mailbox.") { peerArgument, text, file, attach, replyTo, bind, timeout, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var attachments = (parse.GetValue(attach) ?? []).Select(Attachments.FromFile).ToList();
            var content = await ReadTextAsync(console, parse.GetValue(text), parse.GetValue(file), ct);
            if (string.IsNullOrWhiteSpace(content) && attachments.Count == 0)
            {
                throw new CliException("the message is empty; nothing was sent.");
            }

            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(json), node.Names());
            var peer = await PeerArgument.ResolveAsync(parse.GetValue(peerArgument)!, node, ct);
            string? replyId = null;
            if (parse.GetValue(replyTo) is { } replyText)
            {
                var original = await MessageArgument.ResolveAsync(replyText, node, ct);
                replyId = original.Peer == peer.Id ? original.Id : throw new CliException($"message {Output.ShortId(original.Id)} belongs to another conversation.");
            }

            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            peer = await LanLookup.RequireAddressAsync(peer, node, ct);
            var delivered = new ConcurrentDictionary<string, TaskCompletionSource>();
            client.MessageDelivered += (_, e) => delivered.GetOrAdd(e.MessageId, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            var started = Stopwatch.GetTimestamp();
            var id = await client.SendMessageAsync(peer.Address!, content, attachments.Count == 0 ? null : attachments, replyId, ct);
            var done = delivered.GetOrAdd(id, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            var wait = TimeSpan.FromSeconds(parse.GetValue(timeout));
            // Try now, for this peer only: a refused connection fails in milliseconds, and then there is nothing to wait for.
            var attempt = client.FlushPeerOutboxAsync(peer.Id, ct);
            var limit = Task.Delay(wait, ct);
            var first = await Task.WhenAny(done, attempt, limit);
            if (first == attempt && attempt.Result is { Failed: 0, Deposited: 0 })
            {
                // Everything queued for the peer was acknowledged; the event may trail the store by a moment.
                first = await Task.WhenAny(done, limit);
            }

            var status = (await node.Store.GetMessageInfoAsync(id, ct))?.Status;
            if (!done.IsCompleted && status == Messaging.Storage.MessageStatus.Deposited)
            {
                output.Write(
                    $"deposited {id} in the mailbox of {peer.Display} (it is offline); it turns delivered when {peer.Display} fetches it",
                    new JsonObject { ["type"] = "deposited", ["id"] = id, ["peer"] = peer.Id.ToString() });
                return ExitCodes.Deposited;
            }

            if (done.IsCompleted || status is not (null or Messaging.Storage.MessageStatus.Pending))
            {
                output.Write($"delivered {id}", new JsonObject { ["type"] = "delivered", ["id"] = id, ["peer"] = peer.Id.ToString() });
                return ExitCodes.Success;
            }

            var reason = first == attempt
                ? $"{peer.Display} is offline: no connection could be made"
                : $"{peer.Display} did not answer within {wait.TotalSeconds:0}s";
            output.Write(
                $"queued {id} in the outbox ({reason}); `irohsocial outbox flush` retries, `irohsocial outbox drop {Output.ShortId(id)}` cancels it",
                new JsonObject
                {
                    ["type"] = "queued", ["id"] = id, ["peer"] = peer.Id.ToString(), ["reason"] = first == attempt ? "offline" : "timeout",
                    ["elapsed_s"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3),
                });
            return ExitCodes.Queued;
        }, ct));
        return command;
    }

    /// <summary>The message text: the argument, a file, or stdin when the argument is missing or '-'.</summary>
    private static async Task<string> ReadTextAsync(CliConsole console, string? text, string? file, CancellationToken cancellationToken)
    {
        if (file is not null)
        {
            if (text is not null)
            {
                throw new CliException("give the text either as an argument or with --file, not both.");
            }

            return File.Exists(file) ? await File.ReadAllTextAsync(file, cancellationToken) : throw new CliException($"'{file}' does not exist.");
        }

        if (text is not null and not "-")
        {
            return text;
        }

        if (console.Keys is not null)
        {
            throw new CliException("no message: give TEXT, --file FILE, or pipe the text in (e.g. `echo hi | irohsocial send PEER`).");
        }

        return (await console.In.ReadToEndOrCancelAsync(cancellationToken)).TrimEnd('\r', '\n');
    }
}

/// <summary>Files the user attaches.</summary>
internal static class Attachments
{
    private static readonly Dictionary<string, string> MimeTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain", [".md"] = "text/markdown", [".json"] = "application/json", [".pdf"] = "application/pdf",
        [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".gif"] = "image/gif", [".webp"] = "image/webp",
        [".wav"] = "audio/wav", [".mp3"] = "audio/mpeg", [".ogg"] = "audio/ogg", [".mp4"] = "video/mp4", [".webm"] = "video/webm",
        [".zip"] = "application/zip",
    };

    /// <summary>An attachment from a file that must exist now (checked before anything is sent).</summary>
    public static AttachmentSource FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException(Directory.Exists(path) ? $"'{path}' is a folder; attach files." : $"'{path}' does not exist.");
        }

        return AttachmentSource.FromFile(path, MimeTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream"));
    }
}
