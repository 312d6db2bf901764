using System.Text;
using System.Text.Json;
using IrohSocial.Testing;

namespace IrohSocial.Cli.Tests;

/// <summary><c>search</c>, <c>export</c> and <c>import</c> on real data folders.</summary>
public sealed class CliArchiveTests : IDisposable
{
    private const string Loopback = "127.0.0.1:0";
    private readonly TempFolder _temp = new();

    private string Alice => _temp.Sub("alice");

    [Fact]
    public async Task Search_StoredMessages_ByWordStartAccentAndPeer()
    {
        var bob = await PeerAsync("bob");
        var carol = await PeerAsync("carol");
        await QueueAsync(bob.Ticket, "Rendez-vous au Café de Flore");
        await QueueAsync(bob.Ticket, "the weather is fine");
        await QueueAsync(carol.Ticket, "un café ce soir ?");

        var all = await CliRun.RunAsync(Alice, "search", "CAFE", "--json");
        Assert.Equal(ExitCodes.Success, await all.Exit);
        Assert.Equal(2, all.Out.Lines.Count);
        // Newest first.
        Assert.Equal("un café ce soir ?", Text(all.Out.Lines[0]));

        var onlyBob = await CliRun.RunAsync(Alice, "search", "caf flo", "--peer", bob.Id, "--json");
        Assert.Equal("Rendez-vous au Café de Flore", Text(Assert.Single(onlyBob.Out.Lines)));

        var limited = await CliRun.RunAsync(Alice, "search", "café", "--limit", "1");
        Assert.Contains("un café ce soir ?", Assert.Single(limited.Out.Lines));

        var none = await CliRun.RunAsync(Alice, "search", "nowhere");
        Assert.Equal(ExitCodes.Success, await none.Exit);
        Assert.Empty(none.Out.Lines);
    }

    [Fact]
    public async Task ExportImport_PassphraseFile_RestoresIntoNewFolderWithSameIdentity()
    {
        var bob = await PeerAsync("bob");
        await QueueAsync(bob.Ticket, "first secretcanary message");
        await QueueAsync(bob.Ticket, "second message");
        var passphraseFile = _temp.Sub("pass.txt");
        await File.WriteAllTextAsync(passphraseFile, "tr0ub4dor&3\n");
        var backup = _temp.Sub("backup.irsbak");

        var export = await CliRun.RunAsync(Alice, "export", "--out", backup, "--passphrase-file", passphraseFile, "--json");
        Assert.Equal(ExitCodes.Success, await export.Exit);
        var exported = JsonDocument.Parse(Assert.Single(export.Out.Lines)).RootElement;
        Assert.Equal(2, exported.GetProperty("messages").GetInt32());
        Assert.True(exported.GetProperty("encrypted").GetBoolean());
        Assert.True((await File.ReadAllBytesAsync(backup)).AsSpan().IndexOf("secretcanary"u8) < 0, "plaintext in the backup");
        Assert.False(File.Exists(backup + ".part"));

        // A new device: the identity key moves over, the store starts empty.
        var restored = _temp.Sub("restored");
        Directory.CreateDirectory(restored);
        File.Copy(Path.Combine(Alice, "identity.key"), Path.Combine(restored, "identity.key"));
        var import = await CliRun.RunAsync(restored, "import", backup, "--passphrase-file", passphraseFile);
        Assert.Equal(ExitCodes.Success, await import.Exit);
        Assert.StartsWith("imported 2 new message(s)", Assert.Single(import.Out.Lines));

        var messages = await CliRun.RunAsync(restored, "messages", bob.Id, "--json");
        Assert.Equal(["first secretcanary message", "second message"], messages.Out.Lines.Select(Text));
        Assert.Single((await CliRun.RunAsync(restored, "search", "secretcan")).Out.Lines);

        // Again: nothing new.
        var again = await CliRun.RunAsync(restored, "import", backup, "--passphrase-file", passphraseFile);
        Assert.StartsWith("imported 0 new message(s)", Assert.Single(again.Out.Lines));
    }

    [Fact]
    public async Task Import_WrongPassphrase_FailsAndImportsNothing()
    {
        var bob = await PeerAsync("bob");
        await QueueAsync(bob.Ticket, "hello");
        var backup = _temp.Sub("backup.irsbak");
        var export = CliRun.Start(Alice, "right horse\nright horse\n", CancellationToken.None, "export", "--out", backup);
        Assert.Equal(ExitCodes.Success, await export.Exit.WaitAsync(TimeSpan.FromSeconds(60)));

        var restored = _temp.Sub("restored");
        Directory.CreateDirectory(restored);
        File.Copy(Path.Combine(Alice, "identity.key"), Path.Combine(restored, "identity.key"));
        var wrong = CliRun.Start(restored, "wrong horse\n", CancellationToken.None, "import", backup);
        Assert.Equal(ExitCodes.Error, await wrong.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(wrong.Error.Lines, l => l.Contains("passphrase does not open", StringComparison.Ordinal));
        Assert.DoesNotContain((await CliRun.RunAsync(restored, "messages", bob.Id)).Out.Lines, l => l.Contains("hello", StringComparison.Ordinal));

        var right = CliRun.Start(restored, "right horse\n", CancellationToken.None, "import", backup);
        Assert.Equal(ExitCodes.Success, await right.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Single((await CliRun.RunAsync(restored, "messages", bob.Id)).Out.Lines, l => l.Contains("hello", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_MismatchedPromptOrExistingFile_Refused()
    {
        var backup = _temp.Sub("backup.irsbak");
        var mismatch = CliRun.Start(Alice, "one\ntwo\n", CancellationToken.None, "export", "--out", backup);
        Assert.Equal(ExitCodes.Error, await mismatch.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(File.Exists(backup));

        await File.WriteAllTextAsync(backup, "keep me");
        var existing = await CliRun.RunAsync(Alice, "export", "--out", backup, "--plaintext");
        Assert.Equal(ExitCodes.Error, await existing.Exit);
        Assert.Equal("keep me", await File.ReadAllTextAsync(backup));
    }

    [Fact]
    public async Task Export_Plaintext_WarnsAndWritesReadableJson()
    {
        var bob = await PeerAsync("bob");
        await QueueAsync(bob.Ticket, "readable on purpose");
        var file = _temp.Sub("export.json");

        var export = await CliRun.RunAsync(Alice, "export", "--out", file, "--plaintext");

        Assert.Equal(ExitCodes.Success, await export.Exit);
        Assert.Contains(export.Error.Lines, l => l.Contains("NOT be encrypted", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(file, Encoding.UTF8));
        Assert.Equal("irohsocial-backup", json.RootElement.GetProperty("format").GetString());
        Assert.Equal("readable on purpose", json.RootElement.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    private async Task<(string Id, string Ticket)> PeerAsync(string name)
    {
        var id = await CliRun.RunAsync(_temp.Sub(name), "id", "--bind", $"127.0.0.1:{TestTransport.FreePort()}", "--json");
        var root = JsonDocument.Parse(id.Out.Lines[0]).RootElement;
        return (root.GetProperty("id").GetString()!, root.GetProperty("ticket").GetString()!);
    }

    /// <summary>Stores an outgoing message without a listening peer (it stays queued in the outbox).</summary>
    private async Task QueueAsync(string ticket, string text)
    {
        var send = await CliRun.RunAsync(Alice, "send", ticket, text, "--timeout", "0.2", "--bind", Loopback);
        Assert.Equal(ExitCodes.Queued, await send.Exit);
    }

    private static string Text(string jsonLine) => JsonDocument.Parse(jsonLine).RootElement.GetProperty("text").GetString()!;

    public void Dispose() => _temp.Dispose();
}
