using System.Text.Json;
using IrohSocial.Testing;
using static IrohSocial.Cli.Tests.CliPeers;

namespace IrohSocial.Cli.Tests;

/// <summary>Problems are reported at once, with the reason, never as a stack trace.</summary>
public sealed class CliFailFastTests : IDisposable
{
    private readonly CliPeers _peers = new();

    [Fact]
    public async Task FirstRun_SaysItCreatedAnIdentityInTheFolderOnlyOnce()
    {
        var first = await CliRun.RunAsync(_peers.Alice, "id", "--bind", Loopback);
        var second = await CliRun.RunAsync(_peers.Alice, "id", "--bind", Loopback);

        Assert.Contains($"created a new identity in {Path.GetFullPath(_peers.Alice)}", first.Error.Text);
        Assert.Empty(second.Error.Lines);
        Assert.Matches("^id: +[0-9a-f]{64}$", first.Out.Lines[0]);
    }

    [Fact]
    public async Task Json_ErrorsAreJsonLinesAndTimestampsAreIsoWithoutEscapes()
    {
        var error = await CliRun.RunAsync(_peers.Alice, "send", "not-a-ticket", "hi", "--json");

        Assert.Equal(ExitCodes.Error, await error.Exit);
        var line = Json(Assert.Single(error.Out.Lines));
        Assert.Equal("error", line.GetProperty("type").GetString());
        Assert.Contains("is not a ticket", line.GetProperty("error").GetString());

        var (_, ticket) = await IdAsync(_peers.Bob, $"127.0.0.1:{TestTransport.FreePort()}");
        await CliRun.RunAsync(_peers.Alice, "send", ticket, "<queued> & \"quoted\"", "--timeout", "1", "--bind", Loopback);
        var message = Assert.Single((await CliRun.RunAsync(_peers.Alice, "outbox", "list", "--json")).Out.Lines);
        Assert.Contains("+00:00\"", message);
        Assert.DoesNotContain("\\u", message);
        Assert.Contains("<queued> & \\\"quoted\\\"", message);
        var queuedAt = Json(message).GetProperty("queued_at").GetString()!;
        Assert.Equal(TimeSpan.Zero, DateTimeOffset.ParseExact(queuedAt, "O", System.Globalization.CultureInfo.InvariantCulture).Offset);
    }

    [Fact]
    public async Task Listen_PortInUse_NamesThePort()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);
        var bind = Json(bob.Run.Out.Lines[0]).GetProperty("bind").GetString()!;

        var second = await CliRun.RunAsync(_peers.Alice, "listen", "--bind", bind);

        Assert.Equal(ExitCodes.Error, await second.Exit);
        Assert.Contains($"{bind} is already in use", second.Error.Text);
        Assert.DoesNotContain("   at ", second.Error.Text);
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    [Fact]
    public async Task Listen_AudioOutInMissingFolder_FailsBeforeListening()
    {
        var path = Path.Combine(_peers.File("no-such-folder"), "heard.wav");

        var run = await CliRun.RunAsync(_peers.Bob, "listen", "--bind", Loopback, "--auto-answer", "--audio-out", path);

        Assert.Equal(ExitCodes.Error, await run.Exit);
        Assert.Contains("--audio-out", run.Error.Text);
        Assert.Contains("does not exist", run.Error.Text);
        Assert.Empty(run.Out.Lines);
    }

    [Fact]
    public async Task Call_BadWav_SaysWhatIsWrongWithoutAStackTrace()
    {
        var (_, ticket) = await IdAsync(_peers.Bob);
        var bad = _peers.File("bad.wav");
        await File.WriteAllTextAsync(bad, "this is not audio");

        var run = await CliRun.RunAsync(_peers.Alice, "call", ticket, "--audio-in", bad);

        Assert.Equal(ExitCodes.Error, await run.Exit);
        Assert.Contains($"--audio-in {bad} is not a WAV file", run.Error.Text);
        Assert.DoesNotContain("   at ", run.Error.Text);
    }

    [Fact]
    public async Task Verbose_ShowsTransportAndConnectionPath()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);
        var bind = Json(bob.Run.Out.Lines[0]).GetProperty("bind").GetString()!;

        var send = await CliRun.RunAsync(_peers.Alice, "send", bob.Ticket, "hi", "--bind", Loopback, "--verbose");

        Assert.Equal(ExitCodes.Success, await send.Exit);
        Assert.Contains(send.Error.Lines, l => l.StartsWith("transport: ") && (l.Contains("TcpTls") || l.Contains("Quic")));
        Assert.Contains(send.Error.Lines, l => l.Contains("Connected to") && l.Contains(bind));
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    public void Dispose() => _peers.Dispose();
}
