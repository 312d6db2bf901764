using IrohSocial.Testing;

namespace IrohSocial.Cli.Tests;

/// <summary>One in-process run of the tool, with its own data folder, captured output and exit code.</summary>
internal sealed class CliRun
{
    private CliRun(LineCapture output, LineCapture error, Task<int> exit)
    {
        Out = output;
        Error = error;
        Exit = exit;
    }

    public LineCapture Out { get; }

    public LineCapture Error { get; }

    public Task<int> Exit { get; }

    public static CliRun Start(string data, string input, CancellationToken cancellationToken, params string[] args) =>
        Start(data, new StringReader(input), null, cancellationToken, args);

    /// <summary>Starts a run whose input the test feeds (lines, or keys as on a terminal).</summary>
    public static CliRun Start(string data, TextReader input, IKeyReader? keys, CancellationToken cancellationToken, params string[] args) =>
        Start(data, input, keys, null, cancellationToken, args);

    /// <summary>Starts a run that sees <paramref name="environment"/> as its environment variables (none other), when given.</summary>
    public static CliRun Start(string data, TextReader input, IKeyReader? keys, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken, params string[] args)
    {
        var output = new LineCapture();
        var error = new LineCapture();
        var console = new CliConsole(output, error, input) { Keys = keys };
        if (environment is not null)
        {
            console = console with { Environment = name => environment.GetValueOrDefault(name) };
        }

        args = WithTestTransport(args);
        return new CliRun(output, error, Task.Run(() => IrohSocialCli.RunAsync(["--data", data, .. args], console, cancellationToken), CancellationToken.None));
    }

    // Commands that start a node run over this test run's transport (IROHSOCIAL_TEST_TRANSPORT) unless the test chose one.
    private static string[] WithTestTransport(string[] args)
    {
        if (args.Length == 0 || args.Contains("--transport") || args[0] is not ("listen" or "send" or "chat" or "call" or "outbox"))
        {
            return args;
        }

        var provider = TestTransport.Require();
        return provider == Transport.TransportProvider.Auto ? args : [.. args, "--transport", TestTransport.OptionValue];
    }

    public static async Task<CliRun> RunAsync(string data, params string[] args)
    {
        var run = Start(data, "", CancellationToken.None, args);
        await run.Exit.WaitAsync(TimeSpan.FromSeconds(60));
        return run;
    }
}
