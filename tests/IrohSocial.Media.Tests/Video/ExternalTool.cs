using System.Diagnostics;

namespace IrohSocial.Media.Tests.Video;

internal static class ExternalTool
{
    public static (string Stdout, string Stderr) Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {stderr}");
        return (stdout.Result, stderr);
    }
}
