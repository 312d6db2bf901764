using System.Text.Json;
using IrohSocial.Cli;
using IrohSocial.Cli.Tests;
using IrohSocial.Transport;

namespace IrohSocial.Relay.Tests;

/// <summary><c>irohsocial relay</c> and <c>--relay</c>, run in-process with real sockets.</summary>
public sealed class RelayCliTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly CancellationTokenSource _stop = new();

    [Fact]
    public async Task Relay_PrintsItsAddress_AndSendThroughItExitsZero()
    {
        var relay = CliRun.Start(_temp.Sub("relay"), "", _stop.Token, "relay", "--bind", "127.0.0.1:0", "--json");
        using var relayLine = JsonDocument.Parse(await relay.Out.WaitForLineAsync(_ => true));
        var relayText = relayLine.RootElement.GetProperty("relay").GetString()!;
        var relayAddress = RelayAddress.Parse(relayText);
        Assert.Equal("https", relayAddress.Url.Scheme);
        Assert.Equal(relayLine.RootElement.GetProperty("id").GetString(), relayAddress.Id.ToString());

        var listener = CliRun.Start(_temp.Sub("bob"), "", _stop.Token, "listen", "--bind", "127.0.0.1:0", "--json", "--relay", relayText);
        using var listening = JsonDocument.Parse(await listener.Out.WaitForLineAsync(_ => true));
        var ticket = EndpointAddr.ParseTicket(listening.RootElement.GetProperty("ticket").GetString()!);
        Assert.Equal(relayAddress.ToUri(), ticket.RelayUrl);
        Assert.Contains("relay", listening.RootElement.GetProperty("paths").EnumerateArray().Select(p => p.GetString()));

        var id = await CliRun.RunAsync(_temp.Sub("carol"), "id", "--json", "--relay", relayText);
        Assert.Equal(ExitCodes.Success, await id.Exit);
        using var idLine = JsonDocument.Parse(id.Out.Lines[0]);
        Assert.Contains("relay", idLine.RootElement.GetProperty("paths").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(relayAddress.ToUri(), EndpointAddr.ParseTicket(idLine.RootElement.GetProperty("ticket").GetString()!).RelayUrl);

        // The sender only knows bob's relay: no direct address. The relay's registration may still be under way.
        var relayedOnly = (ticket with { DirectAddresses = [] }).ToTicket();
        var send = await CliRun.RunAsync(_temp.Sub("alice"), "send", relayedOnly, "hello through the cli relay", "--bind", "127.0.0.1:0", "--relay", relayText, "--timeout", "30");
        Assert.Equal(ExitCodes.Success, await send.Exit);
        Assert.StartsWith("delivered ", send.Out.Lines[0]);
        var line = await listener.Out.WaitForLineAsync(l => l.Contains("\"type\":\"message\""));
        Assert.Contains("hello through the cli relay", line);
        // The line says which path the conversation took (relayed at first; it may already have gone direct).
        using var message = JsonDocument.Parse(line);
        Assert.Contains(message.RootElement.GetProperty("path").GetString(), new[] { "relay", "tcp", "quic" });

        await _stop.CancelAsync();
        Assert.Equal(ExitCodes.Success, await listener.Exit.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.Success, await relay.Exit.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Relay_KeepsItsIdentityAcrossRuns_AndRejectsABadRelayArgument()
    {
        var data = _temp.Sub("relay");
        using var stopFirst = new CancellationTokenSource();
        var first = CliRun.Start(data, "", stopFirst.Token, "relay", "--bind", "127.0.0.1:0", "--json");
        var firstId = JsonDocument.Parse(await first.Out.WaitForLineAsync(_ => true)).RootElement.GetProperty("id").GetString();
        await stopFirst.CancelAsync();
        await first.Exit.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var second = CliRun.Start(data, "", _stop.Token, "relay", "--bind", "127.0.0.1:0", "--json");
        var secondId = JsonDocument.Parse(await second.Out.WaitForLineAsync(_ => true)).RootElement.GetProperty("id").GetString();
        Assert.Equal(firstId, secondId);

        var bad = await CliRun.RunAsync(_temp.Sub("alice"), "send", "irohsocialx", "hi", "--relay", "https://relay.example/relay");
        Assert.NotEqual(ExitCodes.Success, await bad.Exit);
        Assert.Contains("--relay", bad.Error.Text);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _temp.Dispose();
    }
}
