namespace IrohSocial.Cli;

/// <summary>Where the tool reads and writes; the real console in the process, buffers in tests.</summary>
/// <param name="Out">Normal output (ids, tickets, messages, JSON lines).</param>
/// <param name="Error">Errors and warnings.</param>
/// <param name="In">Interactive input (chat).</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In)
{
    /// <summary>The process console.</summary>
    public static CliConsole System => new(Console.Out, Console.Error, Console.In);
}
