using System.Diagnostics;
using System.Text.Json;
using IrohSocial.Cli;
using IrohSocial.Cli.Tests;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Mailbox.Tests;

/// <summary><c>relay --mailbox</c>, <c>listen --mailbox</c> and <c>send</c>'s exit 3, run in-process; and a mailbox host killed with SIGKILL.</summary>
public sealed class MailboxCliTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly TempFolder _temp = new();
    private readonly CancellationTokenSource _stop = new();

    [Fact]
    public async Task SendToAnOfflinePeer_ExitsThree_AndThePeerFetchesFromItsMailbox()
    {
        var relay = CliRun.Start(_temp.Sub("relay"), "", _stop.Token, "relay", "--bind", "127.0.0.1:0", "--mailbox", _temp.Sub("mailboxes"), "--json");
        using var relayLine = JsonDocument.Parse(await relay.Out.WaitForLineAsync(_ => true));
        var relayText = relayLine.RootElement.GetProperty("relay").GetString()!;
        var mailboxText = relayLine.RootElement.GetProperty("mailbox").GetString()!;
        var mailbox = EndpointAddr.ParseTicket(mailboxText);
        Assert.Equal(RelayAddress.Parse(relayText).ToUri(), mailbox.RelayUrl);

        // Bob announces a ticket that names his mailbox, then goes away.
        string bobTicket;
        using (var stopBob = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
        {
            var bob = CliRun.Start(_temp.Sub("bob"), "", stopBob.Token, "listen", "--bind", "127.0.0.1:0", "--json", "--relay", relayText, "--mailbox", mailboxText);
            using var listening = JsonDocument.Parse(await bob.Out.WaitForLineAsync(_ => true));
            bobTicket = listening.RootElement.GetProperty("ticket").GetString()!;
            Assert.Equal(mailbox, EndpointAddr.ParseTicket(bobTicket).Mailbox);
            await stopBob.CancelAsync();
            Assert.Equal(ExitCodes.Success, await bob.Exit.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        }

        var send = await CliRun.RunAsync(_temp.Sub("alice"), "send", bobTicket, "left in the mailbox", "--bind", "127.0.0.1:0", "--relay", relayText, "--timeout", "30");
        Assert.Equal(ExitCodes.Deposited, await send.Exit);
        Assert.StartsWith("deposited ", send.Out.Lines[0]);
        var messages = await CliRun.RunAsync(_temp.Sub("alice"), "messages", bobTicket, "--json");
        Assert.Contains("\"status\":\"deposited\"", messages.Out.Text);

        // Alice listens; Bob comes back, fetches the message, and his receipt turns it delivered at Alice.
        var alice = CliRun.Start(_temp.Sub("alice"), "", _stop.Token, "listen", "--bind", "127.0.0.1:0", "--json", "--relay", relayText);
        await alice.Out.WaitForLineAsync(l => l.Contains("\"type\":\"listening\""));
        var bobAgain = CliRun.Start(_temp.Sub("bob"), "", _stop.Token, "listen", "--bind", "127.0.0.1:0", "--json", "--relay", relayText, "--mailbox", mailboxText);
        Assert.Contains("left in the mailbox", await bobAgain.Out.WaitForLineAsync(l => l.Contains("\"type\":\"message\"")));
        await alice.Out.WaitForLineAsync(l => l.Contains("\"type\":\"delivered\""));

        // Alice's listener holds her store until it exits; the next command opens it.
        await _stop.CancelAsync();
        foreach (var process in new[] { relay, alice, bobAgain })
        {
            Assert.Equal(ExitCodes.Success, await process.Exit.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        }

        var after = await CliRun.RunAsync(_temp.Sub("alice"), "messages", bobTicket, "--json");
        Assert.Contains("\"status\":\"delivered\"", after.Out.Text);
    }

    [Fact]
    public async Task SigkilledMailboxHost_LosesNothingItAcknowledged()
    {
        var data = _temp.Sub("host");
        var folder = _temp.Sub("mailboxes");
        var owner = SecretKey.Generate();
        var acknowledged = new List<string>();
        using (var host = StartHost(data, folder, out var mailbox))
        {
            await using var depositor = await Dialer.StartAsync(mailbox);
            // Deposit as fast as answers come, then kill the host without warning while more are in flight.
            for (var i = 0; i < 40; i++)
            {
                await depositor.Client.DepositAsync(owner.PublicKey, $"m{i}", TimeSpan.FromDays(1), MailboxPadding.Pad(new byte[100]), Ct);
                acknowledged.Add($"m{i}");
            }

            var inFlight = Task.Run(async () =>
            {
                for (var i = 40; i < 400; i++)
                {
                    await depositor.Client.DepositAsync(owner.PublicKey, $"m{i}", TimeSpan.FromDays(1), MailboxPadding.Pad(new byte[100]), Ct);
                    lock (acknowledged)
                    {
                        acknowledged.Add($"m{i}");
                    }
                }
            }, Ct);
            await Task.Delay(200, Ct);
            host.Kill();
            await host.WaitForExitAsync(Ct);
            await Assert.ThrowsAnyAsync<Exception>(() => inFlight);
        }

        using (var again = StartHost(data, folder, out var mailbox))
        {
            try
            {
                await using var ownerClient = await Dialer.StartAsync(mailbox, owner);
                var stored = new HashSet<string>();
                IReadOnlyList<MailboxEntry> page;
                while ((page = await ownerClient.Client.ListAsync(1024, Ct)).Count > 0)
                {
                    stored.UnionWith(page.Select(e => e.Key.Id));
                    await ownerClient.Client.AckAsync([.. page.Select(e => e.Key)], Ct);
                }

                List<string> expected;
                lock (acknowledged)
                {
                    expected = [.. acknowledged];
                }

                Assert.True(expected.Count >= 40);
                Assert.All(expected, id => Assert.Contains(id, stored));
            }
            finally
            {
                again.Kill();
            }
        }
    }

    /// <summary>A separate process (so SIGKILL hits only it): <c>irohsocial relay --mailbox</c> on loopback.</summary>
    private static Process StartHost(string data, string folder, out EndpointAddr mailbox)
    {
        var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "exec", Path.Combine(AppContext.BaseDirectory, "IrohSocial.Cli.dll"), "relay", "--data", data, "--bind", "127.0.0.1:0", "--mailbox", folder, "--json" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var line = process.StandardOutput.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException("the mailbox host ended before printing its address");
        using var json = JsonDocument.Parse(line);
        mailbox = EndpointAddr.ParseTicket(json.RootElement.GetProperty("mailbox").GetString()!);
        return process;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _temp.Dispose();
    }
}
