using System.Threading.Channels;

namespace IrohSocial.Cli.Tests;

/// <summary>Line input the test writes while the tool runs (like a pipe that stays open); <see cref="End"/> closes it.</summary>
internal sealed class ScriptedLines : TextReader
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    public void WriteLine(string line) => _lines.Writer.TryWrite(line);

    public void End() => _lines.Writer.TryComplete();

    public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) =>
        await _lines.Reader.WaitToReadAsync(cancellationToken) && _lines.Reader.TryRead(out var line) ? line : null;

    public override Task<string?> ReadLineAsync() => ReadLineAsync(CancellationToken.None).AsTask();

    public override async Task<string> ReadToEndAsync(CancellationToken cancellationToken)
    {
        var all = new List<string>();
        while (await ReadLineAsync(cancellationToken) is { } line)
        {
            all.Add(line);
        }

        return string.Join('\n', all);
    }
}

/// <summary>Key presses the test types, as a terminal would deliver them.</summary>
internal sealed class ScriptedKeys : IKeyReader
{
    private readonly Channel<ConsoleKeyInfo> _keys = Channel.CreateUnbounded<ConsoleKeyInfo>();

    public void Type(string text)
    {
        foreach (var c in text)
        {
            _keys.Writer.TryWrite(c == '\n'
                ? new ConsoleKeyInfo('\r', ConsoleKey.Enter, false, false, false)
                : new ConsoleKeyInfo(c, char.IsAsciiLetter(c) ? (ConsoleKey)char.ToUpperInvariant(c) : ConsoleKey.NoName, char.IsUpper(c), false, false));
        }
    }

    public void End() => _keys.Writer.TryComplete();

    public async ValueTask<ConsoleKeyInfo?> ReadKeyAsync(CancellationToken cancellationToken) =>
        await _keys.Reader.WaitToReadAsync(cancellationToken) && _keys.Reader.TryRead(out var key) ? key : null;
}

/// <summary>
/// Line input that blocks the calling thread like the process console's reader does, whatever method is called
/// (its async methods ignore the token once a read blocks).
/// </summary>
internal sealed class BlockingLines : TextReader
{
    private readonly System.Collections.Concurrent.BlockingCollection<string> _lines = [];

    public void WriteLine(string line) => _lines.Add(line);

    public override string? ReadLine() => _lines.TryTake(out var line, Timeout.Infinite) ? line : null;

    public override ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => ValueTask.FromResult(ReadLine());

    public override Task<string?> ReadLineAsync() => Task.FromResult(ReadLine());

    protected override void Dispose(bool disposing)
    {
        _lines.Dispose();
        base.Dispose(disposing);
    }
}
