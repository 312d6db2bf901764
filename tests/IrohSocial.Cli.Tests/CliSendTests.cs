using System.Text.Json;
using IrohSocial.Testing;
using static IrohSocial.Cli.Tests.CliPeers;

namespace IrohSocial.Cli.Tests;

/// <summary>Contacts, message sources, attachments, replies, deletes and the outbox, through the real CLI.</summary>
public sealed class CliSendTests : IDisposable
{
    private readonly CliPeers _peers = new();

    [Fact]
    public async Task Contacts_AddListThenNameAndIdPrefixWorkAsPeer()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);

        var add = await CliRun.RunAsync(_peers.Alice, "contacts", "add", "bob", bob.Ticket);
        var list = await CliRun.RunAsync(_peers.Alice, "contacts", "list", "--json");
        var byName = await CliRun.RunAsync(_peers.Alice, "send", "bob", "by name", "--bind", Loopback);
        var byPrefix = await CliRun.RunAsync(_peers.Alice, "send", bob.Id[..10], "by short id", "--bind", Loopback);

        Assert.Equal(ExitCodes.Success, await add.Exit);
        Assert.StartsWith("added bob (", add.Out.Lines[0]);
        var contact = Json(Assert.Single(list.Out.Lines));
        Assert.Equal("bob", contact.GetProperty("name").GetString());
        Assert.Equal(bob.Id, contact.GetProperty("id").GetString());
        Assert.Equal(ExitCodes.Success, await byName.Exit);
        Assert.Equal(ExitCodes.Success, await byPrefix.Exit);
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("by short id"));
        Assert.Contains(bob.Run.Out.Lines, l => l.Contains("by name"));
        var messages = await CliRun.RunAsync(_peers.Alice, "messages", "bob");
        Assert.Equal(2, messages.Out.Lines.Count);
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    [Fact]
    public async Task Completion_PeerArgument_OffersContactNames()
    {
        var (_, ticket) = await IdAsync(_peers.Bob);
        await CliRun.RunAsync(_peers.Alice, "contacts", "add", "bob", ticket);
        await CliRun.RunAsync(_peers.Alice, "contacts", "add", "bobby", ticket);
        var output = new LineCapture();
        var console = new CliConsole(output, new LineCapture(), new StringReader(""));

        // What dotnet-suggest asks the tool when the user presses Tab after "send bo".
        var line = $"irohsocial --data {_peers.Alice} send bo";
        await IrohSocialCli.RunAsync([$"[suggest:{line.Length}]", line], console);

        Assert.Contains("bob", output.Lines);
        Assert.Contains("bobby", output.Lines);
    }

    [Fact]
    public async Task Contacts_BadNamesAndUnknownPeers_AreRefusedWithReasons()
    {
        var (bobId, bobTicket) = await IdAsync(_peers.Bob);

        var hexName = await CliRun.RunAsync(_peers.Alice, "contacts", "add", "cafe", bobTicket);
        var unknownPrefix = await CliRun.RunAsync(_peers.Alice, "send", bobId[..8], "hi");
        var tooShort = await CliRun.RunAsync(_peers.Alice, "messages", bobId[..3]);
        await CliRun.RunAsync(_peers.Alice, "contacts", "add", "bob", bobTicket);
        var noAddressNeeded = await CliRun.RunAsync(_peers.Alice, "messages", bobId[..8]);

        Assert.Equal(ExitCodes.Error, await hexName.Exit);
        Assert.Contains("looks like a ticket or an id", hexName.Error.Text);
        Assert.Equal(ExitCodes.Error, await unknownPrefix.Exit);
        Assert.Contains("no known peer's id starts with", unknownPrefix.Error.Text);
        Assert.Equal(ExitCodes.Error, await tooShort.Exit);
        Assert.Equal(ExitCodes.Success, await noAddressNeeded.Exit);
        Assert.Contains("no messages with bob", noAddressNeeded.Out.Text);
    }

    [Fact]
    public async Task Send_TextFromStdinAndFile_EmptyRefused()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);
        var file = _peers.File("message.txt");
        await File.WriteAllTextAsync(file, "from a file\nwith two lines");

        var piped = CliRun.Start(_peers.Alice, "from stdin\n", CancellationToken.None, "send", bob.Ticket, "--bind", Loopback);
        await piped.Exit.WaitAsync(TimeSpan.FromSeconds(60));
        var fromFile = await CliRun.RunAsync(_peers.Alice, "send", bob.Ticket, "--file", file, "--bind", Loopback);
        var empty = await CliRun.RunAsync(_peers.Alice, "send", bob.Ticket, "   ");
        var emptyStdin = await CliRun.RunAsync(_peers.Alice, "send", bob.Ticket, "-");

        Assert.Equal(ExitCodes.Success, await piped.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(ExitCodes.Success, await fromFile.Exit);
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("with two lines"));
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"text\":\"from stdin\""));
        Assert.Equal(ExitCodes.Error, await empty.Exit);
        Assert.Contains("the message is empty", empty.Error.Text);
        Assert.Equal(ExitCodes.Error, await emptyStdin.Exit);
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    [Fact]
    public async Task Send_Attachments_ListedByMessagesAndSavedByteForByte()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);
        var picture = _peers.File("picture.png");
        var notes = _peers.File("notes.txt");
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(picture, bytes);
        await File.WriteAllTextAsync(notes, "some notes");

        var send = await CliRun.RunAsync(_peers.Alice, "send", bob.Ticket, "two files", "--attach", picture, "--attach", notes, "--bind", Loopback, "--json");

        Assert.True(await send.Exit == ExitCodes.Success, send.Out.Text + send.Error.Text);
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"type\":\"attachment\"") && l.Contains("notes.txt"));
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"type\":\"attachment\"") && l.Contains("picture.png"));
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
        var aliceId = (await IdAsync(_peers.Alice)).Id;
        var listed = Json(Assert.Single((await CliRun.RunAsync(_peers.Bob, "messages", aliceId, "--json")).Out.Lines));
        var files = listed.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(["picture.png", "notes.txt"], files.Select(f => f.GetProperty("name").GetString()));
        Assert.All(files, f => Assert.True(f.GetProperty("received").GetBoolean()));
        var text = await CliRun.RunAsync(_peers.Bob, "messages", aliceId);
        Assert.Contains(text.Out.Lines, l => l.Contains("attachment ") && l.Contains("picture.png") && l.Contains("received"));
        var shortId = listed.GetProperty("id").GetString()![..8];

        var ambiguous = await CliRun.RunAsync(_peers.Bob, "attachment", "save", shortId, _peers.File("out"));
        var saved = await CliRun.RunAsync(_peers.Bob, "attachment", "save", files[0].GetProperty("id").GetString()!, _peers.File("copy.png"));
        Directory.CreateDirectory(_peers.File("folder"));
        var intoFolder = await CliRun.RunAsync(_peers.Bob, "attachment", "save", $"{shortId}/a1", _peers.File("folder"));

        Assert.Equal(ExitCodes.Error, await ambiguous.Exit);
        Assert.Contains("has 2 attachments", ambiguous.Error.Text);
        Assert.Equal(ExitCodes.Success, await saved.Exit);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_peers.File("copy.png")));
        Assert.Equal(ExitCodes.Success, await intoFolder.Exit);
        Assert.Equal("some notes", await File.ReadAllTextAsync(Path.Combine(_peers.File("folder"), "notes.txt")));
    }

    [Fact]
    public async Task Send_MissingAttachment_RefusedBeforeAnythingIsSent()
    {
        var (_, ticket) = await IdAsync(_peers.Bob);

        var run = await CliRun.RunAsync(_peers.Alice, "send", ticket, "hi", "--attach", _peers.File("nope.png"));

        Assert.Equal(ExitCodes.Error, await run.Exit);
        Assert.Contains("nope.png' does not exist", run.Error.Text);
        Assert.Equal("the outbox is empty", Assert.Single((await CliRun.RunAsync(_peers.Alice, "outbox", "list")).Out.Lines));
    }

    [Fact]
    public async Task ReplyAndDelete_ReachTheListener()
    {
        var bob = await _peers.ListenAsync(_peers.Bob);
        var first = await CliRun.RunAsync(_peers.Alice, "send", bob.Ticket, "first", "--bind", Loopback, "--json");
        var firstId = Json(first.Out.Lines[0]).GetProperty("id").GetString()!;

        var reply = await CliRun.RunAsync(_peers.Alice, "send", bob.Id[..12], "answering myself", "--reply-to", firstId[..8], "--bind", Loopback);
        var delete = await CliRun.RunAsync(_peers.Alice, "delete", firstId[..8], "--bind", Loopback, "--json");

        Assert.Equal(ExitCodes.Success, await reply.Exit);
        var replied = Json(await bob.Run.Out.WaitForLineAsync(l => l.Contains("answering myself")));
        Assert.Equal(firstId, replied.GetProperty("reply_to").GetString());
        Assert.True(await delete.Exit == ExitCodes.Success, delete.Out.Text + delete.Error.Text);
        Assert.True(Json(delete.Out.Lines[0]).GetProperty("peer_confirmed").GetBoolean());
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"type\":\"deleted\"") && l.Contains(firstId));
        var left = await CliRun.RunAsync(_peers.Alice, "messages", bob.Id, "--json");
        Assert.Equal(["answering myself"], left.Out.Lines.Select(l => Json(l).GetProperty("text").GetString()));
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());
    }

    [Fact]
    public async Task Send_ConnectionRefused_QueuedAsOfflineWithoutWaitingForTheTimeout()
    {
        var (_, ticket) = await IdAsync(_peers.Bob, $"127.0.0.1:{TestTransport.FreePort()}");

        var run = await CliRun.RunAsync(_peers.Alice, "send", ticket, "anyone?", "--timeout", "3600", "--json", "--bind", Loopback);

        Assert.Equal(ExitCodes.Queued, await run.Exit);
        var queued = Json(run.Out.Lines[0]);
        Assert.Equal("queued", queued.GetProperty("type").GetString());
        Assert.Equal("offline", queued.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Outbox_ListDropByIdAndByPeer_ConversationDelete()
    {
        var (bobId, bobTicket) = await IdAsync(_peers.Bob, $"127.0.0.1:{TestTransport.FreePort()}");
        var (carolId, carolTicket) = await IdAsync(_peers.Carol, $"127.0.0.1:{TestTransport.FreePort()}");
        string Queue(CliRun run) => Json(run.Out.Lines[0]).GetProperty("id").GetString()!;
        var typo = Queue(await CliRun.RunAsync(_peers.Alice, "send", bobTicket, "typo", "--timeout", "1", "--json", "--bind", Loopback));
        Queue(await CliRun.RunAsync(_peers.Alice, "send", bobTicket, "second", "--timeout", "1", "--json", "--bind", Loopback));
        Queue(await CliRun.RunAsync(_peers.Alice, "send", carolTicket, "for carol", "--timeout", "1", "--json", "--bind", Loopback));

        var list = await CliRun.RunAsync(_peers.Alice, "outbox", "list", "--json");
        var text = await CliRun.RunAsync(_peers.Alice, "outbox", "list");
        var dropOne = await CliRun.RunAsync(_peers.Alice, "outbox", "drop", typo[..8]);
        var dropPeer = await CliRun.RunAsync(_peers.Alice, "outbox", "drop", bobId[..10], "--json");
        var dropNothing = await CliRun.RunAsync(_peers.Alice, "outbox", "drop", bobId);

        Assert.Equal(["typo", "second", "for carol"], list.Out.Lines.Select(l => Json(l).GetProperty("text").GetString()));
        Assert.All(list.Out.Lines, l => Assert.Equal("message", Json(l).GetProperty("kind").GetString()));
        Assert.Contains(text.Out.Lines, l => l.StartsWith(typo[..8]) && l.Contains("\"typo\""));
        Assert.Equal(ExitCodes.Success, await dropOne.Exit);
        Assert.StartsWith("dropped " + typo[..8], dropOne.Out.Lines[0]);
        Assert.Equal(ExitCodes.Success, await dropPeer.Exit);
        Assert.Equal("second", Json(Assert.Single(dropPeer.Out.Lines)).GetProperty("text").GetString());
        Assert.Equal(ExitCodes.Error, await dropNothing.Exit);
        Assert.Contains("nothing is queued", dropNothing.Error.Text);
        Assert.Equal("no messages with " + bobId[..10], Assert.Single((await CliRun.RunAsync(_peers.Alice, "messages", bobId)).Out.Lines));

        var deleteCarol = await CliRun.RunAsync(_peers.Alice, "conversation", "delete", carolId, "--json");

        var deleted = Json(deleteCarol.Out.Lines[0]);
        Assert.Equal(1, deleted.GetProperty("messages").GetInt32());
        Assert.Equal(1, deleted.GetProperty("dropped").GetInt32());
        Assert.Equal("the outbox is empty", Assert.Single((await CliRun.RunAsync(_peers.Alice, "outbox", "list")).Out.Lines));
        Assert.Equal("no conversations yet", Assert.Single((await CliRun.RunAsync(_peers.Alice, "conversations")).Out.Lines));
    }

    public void Dispose() => _peers.Dispose();
}
