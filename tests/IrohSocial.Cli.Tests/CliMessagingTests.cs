using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Tests;

public sealed class CliMessagingTests : IDisposable
{
    private const string Loopback = "127.0.0.1:0";
    private readonly TempFolder _temp = new();
    private readonly CancellationTokenSource _stop = new();

    private string Alice => _temp.Sub("alice");

    private string Bob => _temp.Sub("bob");

    [Fact]
    public async Task Send_ToListeningPeer_ExitsZeroAndListenerPrintsMessage()
    {
        var (listener, ticket) = await ListenAsync(Bob);

        var send = await CliRun.RunAsync(Alice, "send", ticket, "hello from the cli", "--bind", Loopback);

        Assert.Equal(ExitCodes.Success, await send.Exit);
        Assert.StartsWith("delivered ", send.Out.Lines[0]);
        var line = await listener.Out.WaitForLineAsync(l => l.Contains("\"type\":\"message\""));
        using var json = JsonDocument.Parse(line);
        Assert.Equal("hello from the cli", json.RootElement.GetProperty("text").GetString());
        Assert.Equal("in", json.RootElement.GetProperty("direction").GetString());
        var aliceId = (await CliRun.RunAsync(Alice, "id", "--json", "--bind", Loopback)).Out.Lines[0];
        Assert.Equal(JsonDocument.Parse(aliceId).RootElement.GetProperty("id").GetString(), json.RootElement.GetProperty("peer").GetString());
        await StopAsync(listener);
    }

    [Theory]
    [InlineData("tcp", "auto")]
    [InlineData("auto", "tcp")]
    public async Task Send_BetweenTcpOnlyAndAuto_IsDelivered(string listenerTransport, string senderTransport)
    {
        // A user without msquic (tcp) and one with it (auto: QUIC beside TCP) reach each other both ways.
        var listener = CliRun.Start(Bob, "", _stop.Token, "listen", "--bind", Loopback, "--json", "--transport", listenerTransport);
        var first = JsonDocument.Parse(await listener.Out.WaitForLineAsync(_ => true)).RootElement;
        var ticket = first.GetProperty("ticket").GetString()!;

        var send = await CliRun.RunAsync(Alice, "send", ticket, "across transports", "--bind", Loopback, "--transport", senderTransport);

        Assert.Equal(ExitCodes.Success, await send.Exit);
        var line = await listener.Out.WaitForLineAsync(l => l.Contains("\"type\":\"message\""));
        Assert.Contains("across transports", line);
        await StopAsync(listener);
    }

    [Fact]
    public async Task Send_ToOfflinePeer_ExitsTwoThenOutboxFlushDeliversWhenPeerIsBack()
    {
        var port = TestTransport.FreePort();
        var id = await CliRun.RunAsync(Bob, "id", "--bind", $"127.0.0.1:{port}", "--json");
        Assert.Equal(ExitCodes.Success, await id.Exit);
        var bobTicket = JsonDocument.Parse(id.Out.Lines[0]).RootElement.GetProperty("ticket").GetString()!;
        var bobId = JsonDocument.Parse(id.Out.Lines[0]).RootElement.GetProperty("id").GetString()!;

        var send = await CliRun.RunAsync(Alice, "send", bobTicket, "are you there?", "--timeout", "1", "--json", "--bind", Loopback);

        Assert.Equal(ExitCodes.Queued, await send.Exit);
        Assert.Equal("queued", JsonDocument.Parse(send.Out.Lines[0]).RootElement.GetProperty("type").GetString());
        var stored = await CliRun.RunAsync(Alice, "messages", bobId, "--json");
        Assert.Equal("pending", JsonDocument.Parse(Assert.Single(stored.Out.Lines)).RootElement.GetProperty("status").GetString());

        var (listener, _) = await ListenAsync(Bob, $"127.0.0.1:{port}");
        var flush = await CliRun.RunAsync(Alice, "outbox", "flush", "--json", "--bind", Loopback);

        Assert.Equal(ExitCodes.Success, await flush.Exit);
        Assert.Equal(1, JsonDocument.Parse(flush.Out.Lines[0]).RootElement.GetProperty("sent").GetInt32());
        await listener.Out.WaitForLineAsync(l => l.Contains("are you there?"));
        await StopAsync(listener);
        stored = await CliRun.RunAsync(Alice, "messages", bobTicket, "--json");
        Assert.Equal("delivered", JsonDocument.Parse(Assert.Single(stored.Out.Lines)).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Listen_Json_FirstLineCarriesTicketThatRoundTrips()
    {
        var (listener, ticket) = await ListenAsync(Bob);

        var addr = EndpointAddr.ParseTicket(ticket);
        var first = JsonDocument.Parse(listener.Out.Lines[0]).RootElement;
        Assert.Equal(addr.Id.ToString(), first.GetProperty("id").GetString());
        Assert.Contains(addr.DirectAddresses, a => IPAddress.IsLoopback(a.Address));
        await StopAsync(listener);
        Assert.Equal(ExitCodes.Success, await listener.Exit);
    }

    [Fact]
    public async Task Chat_LinesFromInput_AreDeliveredAndConversationsListThem()
    {
        var (listener, ticket) = await ListenAsync(Bob);

        var chat = CliRun.Start(Alice, "first line\nsecond line\n", CancellationToken.None, "chat", ticket, "--json", "--bind", Loopback);

        Assert.Equal(ExitCodes.Success, await chat.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(2, chat.Out.Lines.Count(l => l.Contains("\"type\":\"sent\"")));
        await listener.Out.WaitForLineAsync(l => l.Contains("second line"));
        await StopAsync(listener);
        var conversations = await CliRun.RunAsync(Bob, "conversations", "--json");
        var conversation = JsonDocument.Parse(Assert.Single(conversations.Out.Lines)).RootElement;
        Assert.Equal(2, conversation.GetProperty("unread").GetInt32());
        Assert.Equal("second line", conversation.GetProperty("last_message").GetProperty("text").GetString());
        var aliceId = JsonDocument.Parse(chat.Out.Lines[0]).RootElement.GetProperty("id").GetString()!;
        var text = await CliRun.RunAsync(Bob, "messages", aliceId);
        Assert.Equal(2, text.Out.Lines.Count);
        Assert.EndsWith("< first line", text.Out.Lines[0]);
    }

    [Fact]
    public async Task Send_BadTicket_ExitsOneWithReadableError()
    {
        var run = await CliRun.RunAsync(Alice, "send", "not-a-ticket", "hi");

        Assert.Equal(ExitCodes.Error, await run.Exit);
        Assert.Contains("is not a ticket", run.Error.Text);
        Assert.Empty(run.Out.Lines);
    }

    [Fact]
    public async Task Messages_UnknownPeerText_ExitsOne()
    {
        var run = await CliRun.RunAsync(Alice, "messages", "zz");

        Assert.Equal(ExitCodes.Error, await run.Exit);
        Assert.Contains("is not a ticket, a contact", run.Error.Text);
    }

    [Fact]
    public async Task Id_SameDataFolder_SameIdentityEveryTime()
    {
        var first = await CliRun.RunAsync(Alice, "id", "--bind", Loopback);
        var second = await CliRun.RunAsync(Alice, "id", "--bind", Loopback);
        var other = await CliRun.RunAsync(Bob, "id", "--bind", Loopback);

        Assert.Equal(first.Out.Lines[0], second.Out.Lines[0]);
        Assert.NotEqual(first.Out.Lines[0], other.Out.Lines[0]);
        Assert.Matches("^id: +[0-9a-f]{64}$", first.Out.Lines[0]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Alice, "identity.key")));
        }
    }

    [Fact]
    public async Task History_NoCalls_SaysSo()
    {
        var run = await CliRun.RunAsync(Alice, "history");

        Assert.Equal(ExitCodes.Success, await run.Exit);
        Assert.Equal("no calls yet", Assert.Single(run.Out.Lines));
    }

    [Fact]
    public async Task Listen_BadBind_ExitsWithParseError()
    {
        var run = await CliRun.RunAsync(Alice, "listen", "--bind", "localhost");

        Assert.NotEqual(ExitCodes.Success, await run.Exit);
        Assert.Contains("--bind wants ADDRESS:PORT", run.Error.Text);
    }

    internal async Task<(CliRun Run, string Ticket)> ListenAsync(string data, string bind = "127.0.0.1:0")
    {
        var run = CliRun.Start(data, "", _stop.Token, "listen", "--bind", bind, "--json");
        var first = await run.Out.WaitForLineAsync(_ => true);
        return (run, JsonDocument.Parse(first).RootElement.GetProperty("ticket").GetString()!);
    }

    private async Task StopAsync(CliRun listener)
    {
        await _stop.CancelAsync();
        Assert.Equal(ExitCodes.Success, await listener.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _temp.Dispose();
    }
}
