using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using IrohSocial.Messaging;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial export --out FILE [--plaintext] [--passphrase-file F]</c>: an encrypted backup of messages,
/// attachments, call history and contacts, or with <c>--plaintext</c> a readable, unencrypted JSON file.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var output = new Option<string>("--out") { Description = "The file to write (must not exist yet).", Required = true };
        var plaintext = new Option<bool>("--plaintext") { Description = "Write readable JSON WITHOUT encryption (for leaving the app)." };
        var passphraseFile = PassphraseInput.FileOption();
        var json = CommonOptions.Json();
        var command = new Command("export", "Write a backup sealed with a passphrase (or readable JSON with --plaintext).") { output, plaintext, passphraseFile, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var writer = new Output(console.Out, parse.GetValue(json));
            var path = Path.GetFullPath(parse.GetValue(output)!);
            if (File.Exists(path))
            {
                throw new CliException($"{path} already exists; choose another file.");
            }

            var clear = parse.GetValue(plaintext);
            var passphrase = clear ? null : await PassphraseInput.ReadAsync(console, parse.GetValue(passphraseFile), confirm: true, ct);
            if (clear)
            {
                await console.Error.WriteLineAsync($"warning: {path} will NOT be encrypted: anyone who gets it can read every message. Delete it when you are done.");
            }

            await using var node = await global.OpenAsync(parse, console, ct);
            var client = await node.StartClientAsync(new IPEndPoint(IPAddress.Loopback, 0), ct);
            // Written beside the target and renamed at the end, so a failed export never leaves a file that looks whole.
            var partial = path + ".part";
            BackupSummary summary;
            try
            {
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    summary = passphrase is null
                        ? await client.ExportPlaintextAsync(file, ct)
                        : await client.ExportAsync(file, passphrase, cancellationToken: ct);
                }

                File.Move(partial, path);
            }
            finally
            {
                File.Delete(partial);
            }

            writer.Write(
                $"exported {summary.Messages} message(s), {summary.Attachments} attachment file(s), {summary.Records} call(s) and other record(s), {summary.Contacts} contact(s) to {path}{(clear ? " (unencrypted)" : "")}",
                Summary("exported", summary, path, encrypted: !clear));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    internal static JsonObject Summary(string type, BackupSummary summary, string path, bool encrypted) => new()
    {
        ["type"] = type,
        ["file"] = path,
        ["encrypted"] = encrypted,
        ["messages"] = summary.Messages,
        ["attachments"] = summary.Attachments,
        ["records"] = summary.Records,
        ["contacts"] = summary.Contacts,
    };
}
