using System.CommandLine;
using System.Text.Json.Nodes;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial listen</c>: accepts connections and prints incoming messages and events until Ctrl+C. The first
/// line carries the ticket (in JSON mode a <c>ticket</c> field), so scripts can read it and hand it to a peer.
/// </summary>
internal static class ListenCommand
{
    public static Command Create(CliConsole console, Option<string> data)
    {
        var bind = CommonOptions.Bind(CommonOptions.DefaultListen, "Address and port to accept connections on.");
        var json = CommonOptions.Json();
        var command = new Command("listen", "Wait for messages (and print them) until Ctrl+C.") { bind, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            await using var node = await CliNode.OpenAsync(parse.GetValue(data)!, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            // Subscribe before announcing the ticket so nothing that follows the announcement is missed.
            var events = client.Events(ct).GetAsyncEnumerator(ct);
            var ticket = client.LocalAddress.ToTicket();
            output.Write(
                $"listening as {client.LocalId}\nticket: {ticket}",
                new JsonObject { ["type"] = "listening", ["id"] = client.LocalId.ToString(), ["ticket"] = ticket, ["bind"] = client.Endpoint.LocalEndPoint.ToString() });
            try
            {
                while (await events.MoveNextAsync())
                {
                    output.Event(events.Current);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: stop cleanly.
            }
            finally
            {
                await events.DisposeAsync();
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
