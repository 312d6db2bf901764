using System.Text.Json;
using static IrohSocial.Cli.Tests.CliPeers;

namespace IrohSocial.Cli.Tests;

/// <summary>Calls carry real-time audio: they run alone, so the other tests' load cannot starve a 2 s call.</summary>
[CollectionDefinition(nameof(CliCallTests), DisableParallelization = true)]
public sealed class CliCallCollection;

[Collection(nameof(CliCallTests))]
public sealed class CliCallTests : IDisposable
{
    private readonly CliPeers _peers = new();
    private readonly CancellationTokenSource _stop = new();

    [Fact]
    public async Task Call_ToAutoAnsweringListener_CompletesRecordsAudioAndBothHistoriesShowIt()
    {
        var heard = _peers.File("bob-heard.wav");
        var listener = CliRun.Start(_peers.Bob, "", _stop.Token, "listen", "--bind", "127.0.0.1:0", "--json", "--auto-answer", "--audio-out", heard);
        var ticket = JsonDocument.Parse(await listener.Out.WaitForLineAsync(_ => true)).RootElement.GetProperty("ticket").GetString()!;

        var call = await CliRun.RunAsync(_peers.Alice, "call", ticket, "--seconds", "3", "--bind", Loopback, "--json");

        Assert.True(await call.Exit == ExitCodes.Success, call.Out.Text + call.Error.Text);
        var end = JsonDocument.Parse(call.Out.Lines[^1]).RootElement;
        Assert.Equal("call_ended", end.GetProperty("type").GetString());
        Assert.Equal("completed", end.GetProperty("reason").GetString());
        Assert.True(end.GetProperty("audio_frames_sent").GetInt64() > 0);
        Assert.Contains(call.Out.Lines, l => l.Contains("\"type\":\"call_stats\""));
        await listener.Out.WaitForLineAsync(l => l.Contains("\"type\":\"call_ended\""));
        Assert.Contains(listener.Out.Lines, l => l.Contains("\"type\":\"incoming_call\""));
        await _stop.CancelAsync();
        Assert.Equal(ExitCodes.Success, await listener.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        var wav = await File.ReadAllBytesAsync(heard);
        Assert.Equal("RIFF"u8.ToArray(), wav[..4]);
        Assert.True(BitConverter.ToInt32(wav, 40) > 0, "Bob's recording holds audio");
        var aliceHistory = JsonDocument.Parse(Assert.Single((await CliRun.RunAsync(_peers.Alice, "history", "--json")).Out.Lines)).RootElement;
        var bobHistory = JsonDocument.Parse(Assert.Single((await CliRun.RunAsync(_peers.Bob, "history", "--json")).Out.Lines)).RootElement;
        Assert.Equal("outgoing", aliceHistory.GetProperty("direction").GetString());
        Assert.Equal("incoming", bobHistory.GetProperty("direction").GetString());
        Assert.Equal("completed", bobHistory.GetProperty("ended_reason").GetString());
        Assert.Equal(aliceHistory.GetProperty("call_id").GetString(), bobHistory.GetProperty("call_id").GetString());
    }

    [Fact]
    public async Task Call_UnansweredListener_SaysRinging()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);
        using var hangUp = new CancellationTokenSource();

        var call = CliRun.Start(_peers.Alice, new StringReader(""), null, hangUp.Token, "call", bob.Ticket, "--bind", Loopback, "--json");

        await call.Out.WaitForLineAsync(l => l.Contains("\"type\":\"ringing\""));
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"type\":\"incoming_call\""));
        await hangUp.CancelAsync();
        await call.Exit.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("call_ended", Json(call.Out.Lines[^1]).GetProperty("type").GetString());
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    [Fact]
    public async Task Call_NobodyAnswers_SaysNoAnswerAfterTheRingTimeout()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);

        var call = await CliRun.RunAsync(_peers.Alice, "call", bob.Ticket, "--ring-timeout", "2", "--bind", Loopback);

        Assert.Equal(ExitCodes.Error, await call.Exit);
        Assert.Contains("ringing…", call.Out.Lines);
        Assert.Contains("no answer after 2 s", call.Out.Lines);
        Assert.StartsWith("call missed", call.Out.Lines[^1]);
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"type\":\"incoming_call\""));
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _peers.Dispose();
    }
}
