using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Tests;

/// <summary>
/// Issue 19, through the tool: a queued message to a look-alike ticket (another id at Bob's address, what a mistyped
/// ticket used to decode to) is redialed whenever Alice's outbox runs. Those refused dials must never cost Bob's own
/// messages their acknowledgement: sends and flushes to Bob's real ticket report them delivered, and calls work.
/// </summary>
public sealed class LookAlikeTicketTests : IDisposable
{
    private const string Loopback = "127.0.0.1:0";
    private readonly TempFolder _temp = new();

    private string Alice => _temp.Sub("alice");

    private string Bob => _temp.Sub("bob");

    [Fact]
    public async Task LookAlikeQueued_FlushAndSendsToRealTicket_AreAcknowledgedAndCallsWork()
    {
        var bobBind = $"127.0.0.1:{TestTransport.FreePort()}";
        var (listener, stop, ticket) = await ListenAsync(bobBind);
        var bob = EndpointAddr.ParseTicket(ticket);
        using var otherKey = SecretKey.Generate();
        var lookAlike = new EndpointAddr(otherKey.PublicKey, bob.DirectAddresses).ToTicket();

        var typo = await CliRun.RunAsync(Alice, "send", lookAlike, "to a look-alike", "--timeout", "1", "--bind", Loopback);
        Assert.Equal(ExitCodes.Queued, await typo.Exit);

        for (var i = 0; i < 4; i++)
        {
            // Every `send` resumes the outbox: while the look-alike's entry is due (its backoff is 1 s, 2 s, 4 s...),
            // the tool redials it at the moment it dials Bob, as in the report.
            if (i < 2)
            {
                await Task.Delay(TimeSpan.FromSeconds(i + 1.2), TestContext.Current.CancellationToken);
            }

            var send = await CliRun.RunAsync(Alice, "send", ticket, $"hello {i}", "--timeout", "10", "--bind", Loopback);
            Assert.True(ExitCodes.Success == await send.Exit, $"send {i}: {send.Out.Text}{send.Error.Text}");
            await listener.Out.WaitForLineAsync(l => l.Contains($"hello {i}\"", StringComparison.Ordinal));
        }

        // The flush dials the look-alike and Bob at once: Bob's queued message is delivered and acknowledged.
        await StopAsync(listener, stop);
        var queued = await CliRun.RunAsync(Alice, "send", ticket, "queued", "--timeout", "1", "--bind", Loopback);
        Assert.Equal(ExitCodes.Queued, await queued.Exit);
        (listener, stop, _) = await ListenAsync(bobBind);
        var flush = await CliRun.RunAsync(Alice, "outbox", "flush", "--json", "--bind", Loopback);
        var result = JsonDocument.Parse(flush.Out.Lines[^1]).RootElement;
        Assert.True(result.GetProperty("sent").GetInt32() == 1, $"flush: {flush.Out.Text}{flush.Error.Text}");
        Assert.Equal(ExitCodes.Queued, await flush.Exit); // the look-alike's message stays queued
        await listener.Out.WaitForLineAsync(l => l.Contains("\"queued\"", StringComparison.Ordinal));

        var call = await CliRun.RunAsync(Alice, "call", ticket, "--seconds", "1", "--bind", Loopback);
        Assert.True(ExitCodes.Success == await call.Exit, $"call: {call.Out.Text}{call.Error.Text}");
        await StopAsync(listener, stop);
    }

    private async Task<(CliRun Run, CancellationTokenSource Stop, string Ticket)> ListenAsync(string bind)
    {
        var stop = new CancellationTokenSource();
        var run = CliRun.Start(Bob, "", stop.Token, "listen", "--bind", bind, "--json", "--auto-answer");
        var first = await run.Out.WaitForLineAsync(_ => true);
        return (run, stop, JsonDocument.Parse(first).RootElement.GetProperty("ticket").GetString()!);
    }

    private static async Task StopAsync(CliRun listener, CancellationTokenSource stop)
    {
        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Success, await listener.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        stop.Dispose();
    }

    public void Dispose() => _temp.Dispose();
}
