using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Media.Calls;

namespace IrohSocial.Cli.Commands;

/// <summary><c>irohsocial history</c>: the call history, newest first.</summary>
internal static class HistoryCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var limit = new Option<int>("--limit") { Description = "How many calls.", DefaultValueFactory = _ => 50 };
        var json = CommonOptions.Json();
        var command = new Command("history", "Show the call history (newest first).") { limit, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            await using var node = await global.OpenAsync(parse, console, ct);
            var calls = await CallManager.ReadHistoryAsync(node.Store, Math.Max(1, parse.GetValue(limit)), null, ct);
            foreach (var c in calls)
            {
                output.Write(
                    $"{c.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm}  {c.Direction.ToString().ToLowerInvariant(),-8} {c.Peer.ToShortString()}  {c.Duration:hh\\:mm\\:ss}  {(c.HadVideo ? "video" : "audio")}  {c.EndedReason.ToString().ToLowerInvariant()}",
                    new JsonObject
                    {
                        ["type"] = "call",
                        ["call_id"] = c.CallId,
                        ["peer"] = c.Peer.ToString(),
                        ["direction"] = c.Direction.ToString().ToLowerInvariant(),
                        ["started_at"] = c.StartedAt.ToString("O"),
                        ["duration_s"] = c.Duration.TotalSeconds,
                        ["had_video"] = c.HadVideo,
                        ["ended_reason"] = c.EndedReason.ToString().ToLowerInvariant(),
                    });
            }

            if (calls.Count == 0 && !output.Json)
            {
                await console.Out.WriteLineAsync("no calls yet");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
