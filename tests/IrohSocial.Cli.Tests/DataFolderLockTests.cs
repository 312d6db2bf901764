using System.Diagnostics;

namespace IrohSocial.Cli.Tests;

/// <summary>Issue 19: two processes on one data folder; the second is refused with a message naming the first.</summary>
public sealed class DataFolderLockTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Listen_DataFolderUsedByAnotherProcess_ExitsOneNamingIt()
    {
        var data = _temp.Sub("bob");
        using var holder = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "exec", Path.Combine(AppContext.BaseDirectory, "IrohSocial.Cli.dll"), "listen", "--data", data, "--bind", "127.0.0.1:0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            var first = await holder.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
            Assert.StartsWith("listening as", first);

            var second = await CliRun.RunAsync(data, "listen", "--bind", "127.0.0.1:0");

            Assert.Equal(ExitCodes.Error, await second.Exit);
            Assert.Contains($"is in use by process {holder.Id} ", second.Error.Text);
            Assert.Contains("Stop that process or use another data folder", second.Error.Text);
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        // The lock died with its process: the folder opens again.
        var after = await CliRun.RunAsync(data, "id", "--bind", "127.0.0.1:0");
        Assert.Equal(ExitCodes.Success, await after.Exit);
    }

    public void Dispose() => _temp.Dispose();
}
