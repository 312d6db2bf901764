using System.Text.Json;
using IrohSocial.Testing;
using static IrohSocial.Cli.Tests.CliPeers;

namespace IrohSocial.Cli.Tests;

/// <summary>Interactive chat and listen replies, with input fed as a terminal or a pipe would.</summary>
public sealed class CliChatTests : IDisposable
{
    private const string ClearLine = "\r\u001b[2K";
    private readonly CliPeers _peers = new();

    [Fact]
    public async Task Chat_Opens_WithItsTicketAndTheRecentHistory()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);
        await CliRun.RunAsync(_peers.Alice, "send", bob.Ticket, "earlier message", "--bind", Loopback);

        var chat = CliRun.Start(_peers.Alice, "", CancellationToken.None, "chat", bob.Ticket, "--bind", Loopback);

        Assert.Equal(ExitCodes.Success, await chat.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.StartsWith("chatting with ", chat.Out.Lines[0]);
        Assert.StartsWith("your ticket: irohsocial", chat.Out.Lines[1]);
        Assert.Matches(@"\[[0-9a-f]{8}\] > earlier message \(delivered\)$", chat.Out.Lines[2]);
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    [Fact]
    public async Task Chat_TwoTerminals_SentDeliveredReadAndTypingAndTheLineStaysIntact()
    {
        // Bob chats with Alice by her ticket (the port her chat binds); Alice chats with Bob by his.
        var alicePort = TestTransport.FreePort();
        var (aliceId, aliceTicket) = await IdAsync(_peers.Alice, $"127.0.0.1:{alicePort}");
        var bobKeys = new ScriptedKeys();
        using var stop = new CancellationTokenSource();
        var bob = CliRun.Start(_peers.Bob, new StringReader(""), bobKeys, stop.Token, "chat", aliceTicket, "--bind", Loopback);
        var bobTicket = (await bob.Out.WaitForLineAsync(l => l.StartsWith("your ticket: ")))["your ticket: ".Length..];
        var aliceKeys = new ScriptedKeys();
        var alice = CliRun.Start(_peers.Alice, new StringReader(""), aliceKeys, stop.Token, "chat", bobTicket, "--bind", $"127.0.0.1:{alicePort}");
        await alice.Out.WaitForLineAsync(l => l.StartsWith("your ticket: "));

        aliceKeys.Type("draft in progress");
        await alice.Out.WaitForPartialAsync(l => l.EndsWith("> draft in progress"));
        bobKeys.Type("hello alice\n");

        // Bob typed: Alice sees typing, then the message above her draft, and the draft drawn again below it.
        await alice.Out.WaitForLineAsync(l => l.Contains("is typing"));
        var arrived = await alice.Out.WaitForLineAsync(l => l.Contains(": hello alice"));
        var cleared = arrived.LastIndexOf(ClearLine, StringComparison.Ordinal);
        Assert.True(cleared >= 0, "the draft is erased before the message is printed");
        Assert.Matches(@"^\d\d:\d\d:\d\d .*: hello alice$", arrived[(cleared + ClearLine.Length)..]);
        Assert.Contains(arrived + "\n> draft in progress", alice.Out.All);
        // Bob sees his message sent, delivered, then read (Alice's chat shows it, so it is read).
        await bob.Out.WaitForLineAsync(l => l.Contains("  sent "));
        await bob.Out.WaitForLineAsync(l => l.Contains("  delivered "));
        await bob.Out.WaitForLineAsync(l => l.Contains("  read ") && l.Contains(aliceId[..10]));

        aliceKeys.Type("\n");
        await bob.Out.WaitForLineAsync(l => l.Contains(": draft in progress"));
        aliceKeys.End();
        bobKeys.End();
        Assert.Equal(ExitCodes.Success, await alice.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(ExitCodes.Success, await bob.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Chat_CtrlC_Exits130KeepsTheEnteredLineAndSaysWhatIsQueued()
    {
        var (bobId, bobTicket) = await IdAsync(_peers.Bob, $"127.0.0.1:{TestTransport.FreePort()}");
        // Input that blocks like the real console's: Ctrl+C must not wait for another line.
        var input = new BlockingLines();
        using var ctrlC = new CancellationTokenSource();
        var chat = CliRun.Start(_peers.Alice, input, null, ctrlC.Token, "chat", bobTicket, "--bind", Loopback);
        await chat.Out.WaitForLineAsync(l => l.StartsWith("your ticket: "));

        input.WriteLine("entered just before Ctrl+C");
        await chat.Out.WaitForLineAsync(l => l.Contains("  sent "));
        await ctrlC.CancelAsync();

        Assert.Equal(ExitCodes.Interrupted, await chat.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(chat.Out.Lines, l => l.StartsWith("1 message(s) stay queued in the outbox"));
        var queued = Json(Assert.Single((await CliRun.RunAsync(_peers.Alice, "outbox", "list", "--json")).Out.Lines));
        Assert.Equal("entered just before Ctrl+C", queued.GetProperty("text").GetString());
        Assert.Equal(bobId, queued.GetProperty("peer").GetString());
    }

    [Fact]
    public async Task Chat_OversizedLineAndUnknownCommand_RefusedWithTheLimitAndChatGoesOn()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);

        var chat = CliRun.Start(_peers.Alice, new string('x', 70_000) + "\n/frobnicate\nstill here\n", CancellationToken.None, "chat", bob.Ticket, "--bind", Loopback);

        Assert.Equal(ExitCodes.Success, await chat.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(chat.Out.Lines, l => l.StartsWith("  refused: ") && l.Contains("65536"));
        Assert.Contains(chat.Out.Lines, l => l.StartsWith("  refused: unknown or incomplete command '/frobnicate'"));
        Assert.Single(chat.Out.Lines, l => l.StartsWith("  sent "));
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("still here"));
        Assert.DoesNotContain(bob.Run.Out.Lines, l => l.Contains("xxxxxxxx"));
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    [Fact]
    public async Task Chat_AttachCommand_SendsTheFile()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);
        var file = _peers.File("report.txt");
        await File.WriteAllTextAsync(file, "quarterly numbers");

        var chat = CliRun.Start(_peers.Alice, $"/attach {file} see attached\n", CancellationToken.None, "chat", bob.Ticket, "--bind", Loopback);

        Assert.Equal(ExitCodes.Success, await chat.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        var attachment = Json(await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"type\":\"attachment\"")));
        Assert.Contains(bob.Run.Out.Lines, l => l.Contains("\"text\":\"see attached\""));
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());

        // Kept sealed in Bob's data folder; `attachment save` decrypts it to the file he names.
        var saved = _peers.File("saved.txt");
        var save = await CliRun.RunAsync(_peers.Bob, "attachment", "save", attachment.GetProperty("id").GetString()!, saved);
        Assert.Equal(ExitCodes.Success, await save.Exit);
        Assert.Equal("quarterly numbers", await File.ReadAllTextAsync(saved));
    }

    [Fact]
    public async Task Listen_LinesTypedIn_ReplyToTheLastSenderOrToAnyPeer()
    {
        var input = new ScriptedLines();
        var bob = await _peers.ListenAsync(_peers.Bob, input: input);
        var aliceInput = new ScriptedLines();
        using var stop = new CancellationTokenSource();
        var alice = CliRun.Start(_peers.Alice, aliceInput, null, stop.Token, "chat", bob.Ticket, "--bind", Loopback, "--json");
        var aliceId = Json(await alice.Out.WaitForLineAsync(_ => true)).GetProperty("id").GetString()!;

        input.WriteLine("nobody wrote yet");
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"type\":\"refused\""));
        aliceInput.WriteLine("hi bob");
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"text\":\"hi bob\""));
        input.WriteLine("hi alice, back at you");
        input.WriteLine($"@{aliceId[..8]} and once more by id");

        await alice.Out.WaitForLineAsync(l => l.Contains("\"text\":\"hi alice, back at you\""));
        await alice.Out.WaitForLineAsync(l => l.Contains("\"text\":\"and once more by id\""));
        aliceInput.End();
        Assert.Equal(ExitCodes.Success, await alice.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    public void Dispose() => _peers.Dispose();
}
