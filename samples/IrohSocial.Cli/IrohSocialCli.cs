using System.CommandLine;
using IrohSocial.Cli.Commands;

namespace IrohSocial.Cli;

/// <summary>The <c>irohsocial</c> command tree; usable in-process (tests) as well as from <c>Program</c>.</summary>
public static class IrohSocialCli
{
    /// <summary>Builds the root command, writing to <paramref name="console"/>.</summary>
    public static RootCommand Build(CliConsole console)
    {
        var data = new Option<string>("--data")
        {
            Description = "Folder holding the identity and the message store.",
            DefaultValueFactory = _ => CliNode.DefaultDataDirectory,
            Recursive = true,
        };
        var root = new RootCommand("irohsocial: end-to-end encrypted direct messages and calls between ed25519 identities.")
        {
            data,
            IdCommand.Create(console, data),
            ListenCommand.Create(console, data),
            SendCommand.Create(console, data),
            ChatCommand.Create(console, data),
            CallCommand.Create(console, data),
            ConversationsCommand.Create(console, data),
            MessagesCommand.Create(console, data),
            HistoryCommand.Create(console, data),
            OutboxCommand.Create(console, data),
            GroupCommand.Create(console, data),
        };
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var configuration = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            // The caller owns Ctrl+C handling (Program cancels the token), so in-process runs never touch process signals.
            ProcessTerminationTimeout = null,
        };
        return await Build(console).Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>Runs a command body, turning expected failures into "error: ..." and exit code 1.</summary>
    internal static async Task<int> GuardAsync(CliConsole console, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is CliException or Messaging.MessagingException or Transport.TransportException or IOException or ArgumentException or InvalidOperationException or System.Net.Sockets.SocketException or Media.Video.VideoException)
        {
            await console.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Error;
        }
    }
}
