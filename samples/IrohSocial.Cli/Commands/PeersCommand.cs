using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial peers</c>: asks the LAN (mDNS) who is there and lists the peers that announce themselves
/// (<c>listen --advertise</c>). Browsing only: this command announces nothing. An id heard is unproven until a
/// connection's TLS handshake proves it.
/// </summary>
internal static class PeersCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var seconds = new Option<double>("--seconds") { Description = "How long to listen for answers.", DefaultValueFactory = _ => 3 };
        var json = CommonOptions.Json();
        var command = new Command("peers", "List peers announcing themselves on the LAN (mDNS).") { seconds, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(json), node.Names());
            await using var mdns = new MdnsLocalDiscovery();
            await mdns.StartAsync(new EndpointAddr(node.Key.PublicKey, []), announce: false, ct);
            if (mdns.Interfaces.Count == 0)
            {
                throw new CliException("no network interface here can carry multicast (mDNS), so no peer can be found on the LAN.");
            }

            // Ask twice: a first query can be lost while the peers' multicast memberships settle.
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(seconds)) / 2), ct);
            await mdns.QueryAsync(ct);
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(seconds)) / 2), ct);
            var peers = mdns.GetPeers();
            foreach (var peer in peers)
            {
                output.Write(
                    $"{output.Name(peer.Id),-24}  {string.Join(", ", peer.Addresses)}",
                    new JsonObject
                    {
                        ["type"] = "peer",
                        ["id"] = peer.Id.ToString(),
                        ["addresses"] = new JsonArray([.. peer.Addresses.Select(a => (JsonNode)a.ToString())]),
                        ["seen"] = peer.SeenAt.ToString("O"),
                    });
            }

            if (peers.Count == 0 && !output.Json)
            {
                await console.Out.WriteLineAsync($"no peer announced itself on {string.Join(", ", mdns.Interfaces)} (peers announce with `irohsocial listen --advertise`)");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
