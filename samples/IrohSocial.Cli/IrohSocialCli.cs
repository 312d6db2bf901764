using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Cli.Commands;

namespace IrohSocial.Cli;

/// <summary>Options every command has.</summary>
/// <param name="Data">The data folder.</param>
/// <param name="Verbose">Log the transport and every connection on stderr.</param>
/// <param name="Transport">The network stack of a node the command starts.</param>
/// <param name="Relays">Home relays of a node the command starts.</param>
internal sealed record GlobalOptions(Option<string> Data, Option<bool> Verbose, Option<string> Transport, Option<string[]> Relays)
{
    /// <summary>
    /// A PEER argument; tab completion (through <c>dotnet-suggest</c>) offers the contact names of the data folder.
    /// </summary>
    public Argument<string> Peer(string name, string description)
    {
        var argument = new Argument<string>(name) { Description = description };
        argument.CompletionSources.Add(context =>
        {
            var folder = context.ParseResult.GetValue(Data) ?? CliNode.DefaultDataDirectory;
            var identity = Path.Combine(folder, CliNode.IdentityFileName);
            if (!File.Exists(identity))
            {
                return [];
            }

            try
            {
                // The contacts are sealed under the identity: only an unprotected identity file can open them here
                // (completion cannot ask for a passphrase).
                var (key, _) = CliIdentity.LoadOrCreateAsync(identity, console: null, CancellationToken.None).GetAwaiter().GetResult();
                using (key)
                using (var sealer = new Crypto.AtRestSealer(key))
                {
                    return [.. new ContactBook(folder, sealer).Load().Select(c => new System.CommandLine.Completions.CompletionItem(c.Name, detail: c.Id.ToShortString()))];
                }
            }
            catch (Exception ex) when (ex is CliException or IOException or UnauthorizedAccessException)
            {
                // A protected identity or a broken contact list offers nothing rather than breaking completion.
                return [];
            }
        });
        return argument;
    }

    /// <summary>Opens the data folder named on the command line.</summary>
    public async Task<CliNode> OpenAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var node = await CliNode.OpenAsync(parse.GetValue(Data)!, console, parse.GetValue(Verbose), cancellationToken);
        node.Transport = CommonOptions.ParseTransport(parse.GetValue(Transport)!);
        node.Relays = RelayCommand.Relays(parse.GetValue(Relays));
        return node;
    }
}

/// <summary>The <c>irohsocial</c> command tree; usable in-process (tests) as well as from <c>Program</c>.</summary>
public static class IrohSocialCli
{
    /// <summary>Builds the root command, writing to <paramref name="console"/>.</summary>
    public static RootCommand Build(CliConsole console)
    {
        var data = new Option<string>("--data")
        {
            Description = "Folder holding the identity, contacts and the message store.",
            DefaultValueFactory = _ => CliNode.DefaultDataDirectory,
            Recursive = true,
        };
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Print the transport chosen and every connection (address, direction) on stderr.",
            Recursive = true,
        };
        var transport = CommonOptions.Transport();
        var relays = RelayCommand.RelayOption();
        var global = new GlobalOptions(data, verbose, transport, relays);
        var root = new RootCommand("irohsocial: end-to-end encrypted direct messages and calls between ed25519 identities.")
        {
            data,
            verbose,
            transport,
            relays,
            IdCommand.Create(console, global),
            ListenCommand.Create(console, global),
            SendCommand.Create(console, global),
            ChatCommand.Create(console, global),
            CallCommand.Create(console, global),
            ConversationsCommand.Create(console, global),
            ConversationCommand.Create(console, global),
            MessagesCommand.Create(console, global),
            DeleteCommand.Create(console, global),
            AttachmentCommand.Create(console, global),
            ContactsCommand.Create(console, global),
            HistoryCommand.Create(console, global),
            OutboxCommand.Create(console, global),
            RelayCommand.Create(console, global),
            SearchCommand.Create(console, global),
            ExportCommand.Create(console, global),
            ImportCommand.Create(console, global),
            GroupCommand.Create(console, global),
            PeersCommand.Create(console, global),
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

    /// <summary>
    /// Runs a command body, turning expected failures into "error: ..." on stderr (with <paramref name="json"/>,
    /// a <c>{"type":"error"}</c> line on stdout) and exit code 1, never a stack trace.
    /// </summary>
    internal static async Task<int> GuardAsync(CliConsole console, bool json, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Commands whose normal end is Ctrl+C (listen, call) catch it themselves; anywhere else it interrupts.
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (ex is CliException or Messaging.MessagingException or Transport.TransportException or IOException or UnauthorizedAccessException
            or ArgumentException or InvalidOperationException or System.Net.Sockets.SocketException or Media.MediaException or InvalidDataException)
        {
            if (json)
            {
                await console.Out.WriteLineAsync(Output.ToJson(new JsonObject { ["type"] = "error", ["error"] = ex.Message, ["exit_code"] = ExitCodes.Error }));
                await console.Out.FlushAsync(CancellationToken.None);
            }
            else
            {
                await console.Error.WriteLineAsync($"error: {ex.Message}");
            }

            return ExitCodes.Error;
        }
    }
}
