using System.Text.Json;

namespace IrohSocial.Cli.Tests;

/// <summary>Data folders for a few peers and the listeners a test starts (each stoppable on its own).</summary>
internal sealed class CliPeers : IDisposable
{
    public const string Loopback = "127.0.0.1:0";
    private readonly TempFolder _temp = new();
    private readonly List<CancellationTokenSource> _stops = [];

    public string Alice => _temp.Sub("alice");

    public string Bob => _temp.Sub("bob");

    public string Carol => _temp.Sub("carol");

    public string File(string name) => _temp.Sub(name);

    /// <summary>Starts <c>listen --json</c> and returns it with its ticket and id.</summary>
    public async Task<Listener> ListenAsync(string data, string bind = Loopback, TextReader? input = null, params string[] extra)
    {
        var stop = new CancellationTokenSource();
        _stops.Add(stop);
        var run = CliRun.Start(data, input ?? new StringReader(""), null, stop.Token, ["listen", "--bind", bind, "--json", .. extra]);
        var first = JsonDocument.Parse(await run.Out.WaitForLineAsync(_ => true)).RootElement;
        return new Listener(run, stop, first.GetProperty("ticket").GetString()!, first.GetProperty("id").GetString()!);
    }

    /// <summary>The id and ticket of a data folder (creating its identity), pointing at <paramref name="bind"/>.</summary>
    public static async Task<(string Id, string Ticket)> IdAsync(string data, string bind = "127.0.0.1:7011")
    {
        var run = await CliRun.RunAsync(data, "id", "--json", "--bind", bind);
        var json = JsonDocument.Parse(run.Out.Lines[0]).RootElement;
        return (json.GetProperty("id").GetString()!, json.GetProperty("ticket").GetString()!);
    }

    public static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement;

    public void Dispose()
    {
        foreach (var stop in _stops)
        {
            stop.Cancel();
            stop.Dispose();
        }

        _temp.Dispose();
    }

    internal sealed record Listener(CliRun Run, CancellationTokenSource Stop, string Ticket, string Id)
    {
        public async Task<int> StopAsync()
        {
            await Stop.CancelAsync();
            return await Run.Exit.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
