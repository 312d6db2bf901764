using System.Text.Json;

namespace IrohSocial.Cli.Tests;

/// <summary><c>irohsocial group ...</c> end to end: three data folders, two listeners on loopback.</summary>
public sealed class CliGroupTests : IDisposable
{
    private const string Loopback = "127.0.0.1:0";
    private readonly TempFolder _temp = new();
    private readonly CancellationTokenSource _stop = new();

    private string Alice => _temp.Sub("alice");

    private string Bob => _temp.Sub("bob");

    private string Carol => _temp.Sub("carol");

    [Fact]
    public async Task Group_CreateSendRemove_ListenersPrintGroupMessagesWithGroupId()
    {
        var (bob, bobTicket) = await ListenAsync(Bob);
        var (carol, carolTicket) = await ListenAsync(Carol);

        var create = await CliRun.RunAsync(Alice, "group", "create", "Team", bobTicket, carolTicket, "--bind", Loopback);
        Assert.Equal(ExitCodes.Success, await create.Exit);
        var groupId = Assert.Single(create.Out.Lines);
        Assert.Matches("^[0-9a-f]{64}$", groupId);
        await bob.Out.WaitForLineAsync(l => l.Contains("\"type\":\"group_changed\"") && l.Contains(groupId));

        var send = await CliRun.RunAsync(Alice, "group", "send", groupId, "hello group", "--bind", Loopback, "--json");
        Assert.Equal(ExitCodes.Success, await send.Exit);
        Assert.Equal(2, JsonDocument.Parse(send.Out.Lines[0]).RootElement.GetProperty("members").GetInt32());
        foreach (var listener in new[] { bob, carol })
        {
            var line = await listener.Out.WaitForLineAsync(l => l.Contains("\"type\":\"group_message\""));
            var message = JsonDocument.Parse(line).RootElement;
            Assert.Equal(groupId, message.GetProperty("group").GetString());
            Assert.Equal("hello group", message.GetProperty("text").GetString());
        }

        var list = await CliRun.RunAsync(Alice, "group", "list", "--json");
        var listed = JsonDocument.Parse(Assert.Single(list.Out.Lines)).RootElement;
        Assert.Equal(("Team", 3), (listed.GetProperty("name").GetString(), listed.GetProperty("members").GetArrayLength()));

        var messages = await CliRun.RunAsync(Alice, "group", "messages", groupId, "--json");
        var stored = JsonDocument.Parse(Assert.Single(messages.Out.Lines)).RootElement;
        Assert.Equal(("out", "delivered"), (stored.GetProperty("direction").GetString(), stored.GetProperty("status").GetString()));

        var remove = await CliRun.RunAsync(Alice, "group", "remove", groupId, carolTicket, "--bind", Loopback);
        Assert.Equal(ExitCodes.Success, await remove.Exit);
        await carol.Out.WaitForLineAsync(l => l.Contains("\"type\":\"group_changed\"") && l.Contains("\"is_member\":false"));
        var after = await CliRun.RunAsync(Alice, "group", "send", groupId, "carol is gone", "--bind", Loopback, "--json");
        Assert.Equal(ExitCodes.Success, await after.Exit);
        Assert.Equal(1, JsonDocument.Parse(after.Out.Lines[0]).RootElement.GetProperty("members").GetInt32());
        await bob.Out.WaitForLineAsync(l => l.Contains("carol is gone"));
        Assert.DoesNotContain(carol.Out.Lines, l => l.Contains("carol is gone"));

        var bad = await CliRun.RunAsync(Alice, "group", "send", "not-a-group", "x");
        Assert.Equal(ExitCodes.Error, await bad.Exit);
        await _stop.CancelAsync();
        Assert.Equal(ExitCodes.Success, await bob.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private async Task<(CliRun Run, string Ticket)> ListenAsync(string data)
    {
        var run = CliRun.Start(data, "", _stop.Token, "listen", "--bind", Loopback, "--json");
        var first = await run.Out.WaitForLineAsync(_ => true);
        return (run, JsonDocument.Parse(first).RootElement.GetProperty("ticket").GetString()!);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _temp.Dispose();
    }
}
