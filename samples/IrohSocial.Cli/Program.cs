using IrohSocial.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C stops gracefully (listen/chat/call end cleanly); a second one kills the process.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};
return await IrohSocialCli.RunAsync(args, CliConsole.System, cancel.Token);
