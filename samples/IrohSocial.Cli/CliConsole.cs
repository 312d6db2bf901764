namespace IrohSocial.Cli;

/// <summary>Where the tool reads and writes; the real console in the process, buffers in tests.</summary>
/// <param name="Out">Normal output (ids, tickets, messages, JSON lines).</param>
/// <param name="Error">Errors, warnings and notices (e.g. "created a new identity").</param>
/// <param name="In">Line input (chat, listen replies, message text from stdin).</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In)
{
    /// <summary>
    /// Key-by-key input for an interactive terminal; null when input is piped. With keys, <c>chat</c> edits the
    /// line itself so that arriving messages are printed above it without breaking what is being typed.
    /// </summary>
    public IKeyReader? Keys { get; init; }

    /// <summary>Reads an environment variable (the process environment; tests give their own, so runs in one process stay apart).</summary>
    public Func<string, string?> Environment { get; init; } = global::System.Environment.GetEnvironmentVariable;

    /// <summary>The process console (keys only when stdin is a terminal).</summary>
    public static CliConsole System => new(Console.Out, Console.Error, Console.In)
    {
        Keys = Console.IsInputRedirected ? null : new ConsoleKeyReader(),
    };
}

/// <summary>A source of key presses.</summary>
public interface IKeyReader
{
    /// <summary>The next key, or null when input ended.</summary>
    ValueTask<ConsoleKeyInfo?> ReadKeyAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Reads the terminal's keys on a background thread (<see cref="Console.ReadKey(bool)"/> cannot be cancelled);
/// the thread is a background one, so it never keeps the process alive.
/// </summary>
internal sealed class ConsoleKeyReader : IKeyReader
{
    private readonly System.Threading.Channels.Channel<ConsoleKeyInfo> _keys = System.Threading.Channels.Channel.CreateUnbounded<ConsoleKeyInfo>();
    private int _started;

    public async ValueTask<ConsoleKeyInfo?> ReadKeyAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            new Thread(Pump) { IsBackground = true, Name = "irohsocial keys" }.Start();
        }

        return await _keys.Reader.WaitToReadAsync(cancellationToken) && _keys.Reader.TryRead(out var key) ? key : null;
    }

    private void Pump()
    {
        try
        {
            while (true)
            {
                _keys.Writer.TryWrite(Console.ReadKey(intercept: true));
            }
        }
        catch (InvalidOperationException)
        {
            // The terminal went away.
        }
        finally
        {
            _keys.Writer.TryComplete();
        }
    }
}

/// <summary>Reading input so that Ctrl+C always wins.</summary>
internal static class InputExtensions
{
    /// <summary>
    /// Reads a line, returning as soon as <paramref name="cancellationToken"/> fires. The console's reader reads
    /// synchronously whatever method is called, so the read runs on a pool thread and is abandoned on Ctrl+C (a line
    /// typed after Ctrl+C is not wanted).
    /// </summary>
    public static Task<string?> ReadLineOrCancelAsync(this TextReader reader, CancellationToken cancellationToken) =>
        Task.Run(async () => await reader.ReadLineAsync(cancellationToken), CancellationToken.None).WaitAsync(cancellationToken);

    /// <summary>Reads all input, like <see cref="ReadLineOrCancelAsync"/> returning at once on Ctrl+C.</summary>
    public static Task<string> ReadToEndOrCancelAsync(this TextReader reader, CancellationToken cancellationToken) =>
        Task.Run(async () => await reader.ReadToEndAsync(cancellationToken), CancellationToken.None).WaitAsync(cancellationToken);
}
