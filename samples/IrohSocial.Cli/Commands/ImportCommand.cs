using System.CommandLine;
using System.Net;

namespace IrohSocial.Cli.Commands;

/// <summary><c>irohsocial import FILE [--passphrase-file F]</c>: restores an encrypted backup; nothing is written unless the whole file verifies.</summary>
internal static class ImportCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var input = new Argument<string>("FILE") { Description = "A backup written by `irohsocial export`." };
        var passphraseFile = PassphraseInput.FileOption();
        var json = CommonOptions.Json();
        var command = new Command("import", "Restore an encrypted backup (idempotent; a damaged file or wrong passphrase imports nothing).") { input, passphraseFile, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var writer = new Output(console.Out, parse.GetValue(json));
            var path = Path.GetFullPath(parse.GetValue(input)!);
            if (!File.Exists(path))
            {
                throw new CliException($"{path} does not exist.");
            }

            var passphrase = await PassphraseInput.ReadAsync(console, parse.GetValue(passphraseFile), confirm: false, ct);
            await using var node = await global.OpenAsync(parse, console, ct);
            var client = await node.StartClientAsync(new IPEndPoint(IPAddress.Loopback, 0), ct);
            await using var file = File.OpenRead(path);
            var summary = await client.ImportAsync(file, passphrase, ct);
            writer.Write(
                $"imported {summary.Messages} new message(s), {summary.Attachments} attachment file(s), {summary.Records} call(s) and other record(s), {summary.Contacts} new contact(s) from {path}",
                ExportCommand.Summary("imported", summary, path, encrypted: true));
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
