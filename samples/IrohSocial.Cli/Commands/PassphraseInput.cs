using System.CommandLine;
using System.Text;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// Where the backup commands get their passphrase: <c>--passphrase-file F</c> (its first line), otherwise a prompt on
/// the terminal without echo (or a line of standard input when it is not a terminal).
/// </summary>
internal static class PassphraseInput
{
    public static Option<string?> FileOption() => new("--passphrase-file")
    {
        Description = "Read the passphrase from the first line of this file instead of prompting.",
    };

    public static async Task<string> ReadAsync(CliConsole console, string? file, bool confirm, CancellationToken cancellationToken)
    {
        string passphrase;
        if (file is not null)
        {
            if (!File.Exists(file))
            {
                throw new CliException($"passphrase file {file} does not exist.");
            }

            using var reader = new StreamReader(file);
            passphrase = await reader.ReadLineAsync(cancellationToken) ?? "";
        }
        else
        {
            passphrase = Prompt(console, "passphrase: ");
            if (confirm && Prompt(console, "again: ") != passphrase)
            {
                throw new CliException("the passphrases differ.");
            }
        }

        return passphrase.Length == 0 ? throw new CliException("the passphrase is empty.") : passphrase;
    }

    /// <summary>Asks on the terminal without echo (or reads a line of piped input); with <paramref name="confirm"/> asks twice.</summary>
    public static string PromptNew(CliConsole console, string label, bool confirm)
    {
        var passphrase = Prompt(console, label);
        if (confirm && Prompt(console, "again: ") != passphrase)
        {
            throw new CliException("the passphrases differ.");
        }

        return passphrase.Length == 0 ? throw new CliException("the passphrase is empty.") : passphrase;
    }

    private static string Prompt(CliConsole console, string label)
    {
        console.Error.Write(label);
        console.Error.Flush();
        var terminal = ReferenceEquals(console.In, Console.In) && !Console.IsInputRedirected;
        if (!terminal)
        {
            return console.In.ReadLine() ?? throw new CliException($"no passphrase given (standard input ended); use --passphrase-file for backups, {CliIdentity.PassphraseVariable} for the identity.");
        }

        // Read key by key so the passphrase is never echoed.
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
