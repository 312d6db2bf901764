using IrohSocial.Crypto;
using static IrohSocial.Cli.Tests.CliPeers;

namespace IrohSocial.Cli.Tests;

/// <summary>The identity file at rest: protected by a passphrase from the environment or a prompt; the data folder owner-only.</summary>
public sealed class CliIdentityTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple";
    private readonly TempFolder _folder = new();

    private string Data => _folder.Sub("data");

    private string IdentityFile => Path.Combine(Data, "identity.key");

    [Fact]
    public async Task Id_PassphraseInEnvironment_NewIdentityIsProtectedAndOpensOnlyWithIt()
    {
        var created = await RunAsync("", Env(Passphrase), "id", "--bind", Loopback);
        Assert.Equal(ExitCodes.Success, await created.Exit);
        var id = created.Out.Lines[0];
        var content = await File.ReadAllBytesAsync(IdentityFile);
        Assert.True(ProtectedSecretKey.IsProtected(content));

        // Again from the environment, then typed at the prompt (piped input here): the same identity.
        Assert.Equal(id, (await RunAsync("", Env(Passphrase), "id", "--bind", Loopback)).Out.Lines[0]);
        var prompted = await RunAsync(Passphrase + "\n", Env(), "id", "--bind", Loopback);
        Assert.Equal(id, prompted.Out.Lines[0]);

        var wrong = await RunAsync("", Env("not it"), "id", "--bind", Loopback);
        Assert.Equal(ExitCodes.Error, await wrong.Exit);
        Assert.Contains("the passphrase does not open", wrong.Error.Text);
        Assert.Empty(wrong.Out.Lines);
        Assert.Equal(content, await File.ReadAllBytesAsync(IdentityFile));
    }

    [Fact]
    public async Task IdProtect_PlainIdentity_SealedInPlaceKeepingTheId()
    {
        var plain = await RunAsync("", Env(), "id", "--bind", Loopback);
        var id = plain.Out.Lines[0];
        var seedHex = (await File.ReadAllTextAsync(IdentityFile)).Trim();
        Assert.Matches("^[0-9a-f]{64}$", seedHex);

        var protect = await RunAsync($"{Passphrase}\n{Passphrase}\n", Env(), "id", "--protect", "--bind", Loopback);
        Assert.Equal(ExitCodes.Success, await protect.Exit);
        Assert.Contains("is now protected", protect.Error.Text);
        var content = await File.ReadAllBytesAsync(IdentityFile);
        Assert.True(ProtectedSecretKey.IsProtected(content));
        Assert.Equal(-1, content.AsSpan().IndexOf(Convert.FromHexString(seedHex)));
        Assert.Equal(-1, content.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(seedHex)));
        Assert.Equal(id, (await RunAsync("", Env(Passphrase), "id", "--bind", Loopback)).Out.Lines[0]);

        var mismatch = await RunAsync("", Env(), "id", "--protect", "--bind", Loopback);
        Assert.Equal(ExitCodes.Error, await mismatch.Exit); // protected now: opening it needs the passphrase first
    }

    [Fact]
    public async Task Open_DataFolderPreCreatedOpen_TightenedToOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes");
            return;
        }

        Directory.CreateDirectory(Data);
        File.SetUnixFileMode(Data, (UnixFileMode)0x1ED); // 0755
        Assert.Equal(ExitCodes.Success, await (await RunAsync("", Env(), "id", "--bind", Loopback)).Exit);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Data));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(IdentityFile));
    }

    private static Dictionary<string, string> Env(string? passphrase = null) =>
        passphrase is null ? [] : new() { ["IROHSOCIAL_PASSPHRASE"] = passphrase };

    private async Task<CliRun> RunAsync(string input, Dictionary<string, string> environment, params string[] args)
    {
        var run = CliRun.Start(Data, new StringReader(input), null, environment, CancellationToken.None, args);
        await run.Exit.WaitAsync(TimeSpan.FromSeconds(60));
        return run;
    }

    public void Dispose() => _folder.Dispose();
}
