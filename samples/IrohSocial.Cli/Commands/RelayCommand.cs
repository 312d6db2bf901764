using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IrohSocial.Relay;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial relay</c>: runs a relay until Ctrl+C. Its identity lives in the data folder (<c>relay.key</c>), so the
/// relay address (URL + relay id) stays the same across restarts. The first line is that address (in JSON mode the
/// <c>relay</c> field), which nodes pass to <c>--relay</c>.
/// </summary>
internal static class RelayCommand
{
    /// <summary>The <c>--relay RELAY</c> option of the commands that start a node (recursive on the root).</summary>
    public static Option<string[]> RelayOption()
    {
        var option = new Option<string[]>("--relay")
        {
            Description = "Home relay address (printed by 'irohsocial relay'); repeat for fallbacks, in order of preference.",
            Recursive = true,
            AllowMultipleArgumentsPerToken = false,
        };
        option.Validators.Add(r =>
        {
            foreach (var text in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (!RelayAddress.TryParse(text, out _))
                {
                    r.AddError($"--relay wants a relay address like https://HOST:PORT/relay#<relay id>, not '{text}'.");
                }
            }
        });
        return option;
    }

    /// <summary>The relays given with <c>--relay</c> (none when absent).</summary>
    public static IReadOnlyList<RelayAddress> Relays(string[]? values) => (values ?? []).Select(RelayAddress.Parse).ToArray();

    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var bind = CommonOptions.Bind("0.0.0.0:4443", "Address and port the relay listens on.");
        var publicHost = new Option<string?>("--public-host") { Description = "Host name or IP that nodes use to reach the relay (default: the bind address)." };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM certificate (chain) from a CA, for a relay behind a domain; default: the relay's identity certificate." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert." };
        var plain = new Option<bool>("--plain-loopback") { Description = "Plain ws:// without TLS; only on a loopback bind address (tests)." };
        var mailbox = new Option<string?>("--mailbox") { Description = "Also host mailboxes (iroh-social/mailbox/1), kept in this folder; prints the mailbox address nodes pass to 'listen --mailbox'." };
        var mailboxBind = new Option<string?>("--mailbox-bind") { Description = "Address and port the mailbox listens on (default: the relay's address, any free port)." };
        var json = CommonOptions.Json();
        var command = new Command("relay", "Run a relay for nodes behind NATs until Ctrl+C.") { bind, publicHost, tlsCert, tlsKey, plain, mailbox, mailboxBind, json };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(tlsCert) is null) != (r.GetValue(tlsKey) is null))
            {
                r.AddError("--tls-cert and --tls-key go together.");
            }
        });
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            var dataDirectory = parse.GetValue(global.Data)!;
            CliNode.EnsurePrivateFolder(dataDirectory);
            using var identity = (await CliIdentity.LoadOrCreateAsync(Path.Combine(dataDirectory, "relay.key"), console, ct)).Key;
            using var certificate = parse.GetValue(tlsCert) is { } certPath
                ? X509Certificate2.CreateFromPemFile(certPath, parse.GetValue(tlsKey))
                : null;
            await using var relay = await RelayHost.StartAsync(new RelayHostOptions
            {
                Relay = new RelayServerOptions { Identity = identity },
                BindAddress = CommonOptions.ParseBind(parse.GetValue(bind)!),
                PublicHost = parse.GetValue(publicHost),
                Certificate = certificate,
                PlainTextOnLoopback = parse.GetValue(plain),
            }, ct);
            await using var mailboxHost = parse.GetValue(mailbox) is { } folder
                ? await MailboxHosting.StartAsync(folder, relay, parse.GetValue(mailboxBind), global, parse, ct)
                : null;
            var line = new JsonObject { ["type"] = "relay", ["relay"] = relay.Address.ToString(), ["id"] = relay.Address.Id.ToString(), ["bind"] = relay.LocalEndPoint.ToString() };
            var text = $"relay: {relay.Address}";
            if (mailboxHost is not null)
            {
                line["mailbox"] = mailboxHost.Ticket;
                text += $"\nmailbox: {mailboxHost.Ticket}";
            }

            output.Write(text, line);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: stop gracefully (registered nodes are told to come back).
            }

            await relay.StopAsync(CancellationToken.None);
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
