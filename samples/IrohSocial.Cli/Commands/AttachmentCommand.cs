using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Cli.Commands;

/// <summary><c>irohsocial attachment save ID PATH</c>: copies a received attachment out of the data folder.</summary>
internal static class AttachmentCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var id = new Argument<string>("ID") { Description = "MESSAGE/ATTACHMENT as `messages` prints it (MESSAGE alone when it has one attachment)." };
        var path = new Argument<string>("PATH") { Description = "Where to write it; an existing folder keeps the sender's file name." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var json = CommonOptions.Json();
        var save = new Command("save", "Save a received attachment to a file.") { id, path, force, json };
        save.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var (message, attachment) = await MessageArgument.ResolveAttachmentAsync(parse.GetValue(id)!, node, ct);
            if (message.Direction != MessageDirection.Incoming)
            {
                throw new CliException($"{Output.ShortId(message.Id)}/{attachment.Id} is an attachment you sent; only received ones are kept in the data folder.");
            }

            using var received = node.OpenReceivedAttachments();
            if (!received.Contains(message.Peer, message.Id, attachment.Id))
            {
                throw new CliException($"{attachment.Name} has not been received yet (the sender uploads it while you are online).");
            }

            var target = parse.GetValue(path)!;
            if (Directory.Exists(target))
            {
                // The sender chose the name: keep only its last segment, so it cannot point elsewhere.
                target = Path.Combine(target, Path.GetFileName(attachment.Name.Replace('\\', '/')) is { Length: > 0 } name ? name : attachment.Id);
            }

            if (File.Exists(target) && !parse.GetValue(force))
            {
                throw new CliException($"{target} exists; pass --force to overwrite it.");
            }

            // Decrypted only here, on the user's request, into the file they named.
            await using (var source = received.OpenRead(message.Peer, message.Id, attachment.Id))
            await using (var output = new FileStream(target, FileMode.Create, FileAccess.Write))
            {
                await source.CopyToAsync(output, ct);
            }

            new Output(console.Out, parse.GetValue(json)).Write(
                $"saved {attachment.Name} ({attachment.Size} bytes) to {target}",
                new JsonObject { ["type"] = "attachment_saved", ["id"] = $"{message.Id}/{attachment.Id}", ["name"] = attachment.Name, ["size"] = attachment.Size, ["path"] = Path.GetFullPath(target) });
            return ExitCodes.Success;
        }, ct));
        return new Command("attachment", "Work with received attachments.") { save };
    }
}
