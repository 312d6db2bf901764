using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial id</c>: prints this identity and the ticket <c>listen</c> will be reachable at; <c>--protect</c> seals the
/// identity file under a passphrase (<c>IROHSOCIAL_PASSPHRASE</c>, or asked for twice).
/// </summary>
internal static class IdCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var bind = CommonOptions.Bind(CommonOptions.DefaultListen, "The address `listen --bind` will use; the ticket points there.");
        var json = CommonOptions.Json();
        var protect = new Option<bool>("--protect")
        {
            Description = $"Seal identity.key under a passphrase (Argon2id); the passphrase comes from {CliIdentity.PassphraseVariable} or is asked for.",
        };
        var command = new Command("id", "Print this identity's id and ticket.") { bind, json, protect };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            if (parse.GetValue(protect))
            {
                if (CliIdentity.IsProtected(node.IdentityPath))
                {
                    await console.Error.WriteLineAsync($"{node.IdentityPath} is already protected by a passphrase.");
                }
                else
                {
                    await CliIdentity.ProtectAsync(node.IdentityPath, node.Key, CliIdentity.Ask(console, confirm: true), ct);
                    await console.Error.WriteLineAsync($"{node.IdentityPath} is now protected by a passphrase ({CliIdentity.PassphraseVariable} or a prompt opens it).");
                }
            }

            var target = CommonOptions.ParseBind(parse.GetValue(bind)!);
            // Bind on a free port only to learn which addresses this machine has, then point them at the target port.
            await using var probe = await Endpoint.BindAsync(
                new EndpointOptions { SecretKey = node.Key, BindAddress = new IPEndPoint(target.Address, 0), Alpns = [Alpns.DirectMessages] }, ct);
            var addr = probe.Addr with { DirectAddresses = [.. probe.Addr.DirectAddresses.Select(a => new IPEndPoint(a.Address, target.Port))] };
            if (node.Relays.Count > 0)
            {
                addr = addr with { RelayUrl = node.Relays[0].ToUri() };
            }

            var ticket = addr.ToTicket();
            // The paths `listen` will be reachable on: direct ones (QUIC and/or TCP, as this machine supports) and the relay.
            var paths = probe.Paths.Select(p => p.ToString().ToLowerInvariant()).Concat(node.Relays.Count > 0 ? ["relay"] : []).ToArray();
            new Output(console.Out, parse.GetValue(json)).Write(
                $"id:     {node.Key.PublicKey}\nticket: {ticket}\npaths:  {string.Join(", ", paths)}",
                new JsonObject
                {
                    ["type"] = "id", ["id"] = node.Key.PublicKey.ToString(), ["ticket"] = ticket,
                    ["paths"] = new JsonArray([.. paths.Select(p => (JsonNode)p)]),
                });
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
