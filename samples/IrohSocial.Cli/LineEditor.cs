using System.Text;

namespace IrohSocial.Cli;

/// <summary>
/// A minimal line editor for interactive terminals: it owns the bottom line ("&gt; " and what is being typed), and
/// <see cref="Output"/> erases and redraws that line around every line it prints, so a message that arrives while
/// the user types appears above the draft instead of splitting it. Hand-written: the one .NET line-editing library
/// we could use (ReadLine) is unmaintained and cannot redraw around output from other threads.
/// </summary>
internal sealed class LineEditor : ILineKeeper
{
    private const string Prompt = "> ";
    private const string ClearLine = "\r\u001b[2K";
    private readonly StringBuilder _draft = new();
    private readonly IKeyReader _keys;
    private readonly Output _output;
    private readonly TextWriter _writer;

    public LineEditor(IKeyReader keys, Output output, TextWriter writer)
    {
        _keys = keys;
        _output = output;
        _writer = writer;
        _output.Keeper = this;
    }

    /// <summary>What is typed but not entered yet.</summary>
    public string Draft
    {
        get
        {
            lock (_output.Gate)
            {
                return _draft.ToString();
            }
        }
    }

    /// <summary>
    /// Reads one line; null at end of input (Ctrl+D on an empty line). <paramref name="typing"/> is called for
    /// every key that changes the draft.
    /// </summary>
    public async Task<string?> ReadLineAsync(Action? typing, CancellationToken cancellationToken)
    {
        lock (_output.Gate)
        {
            Redraw(_writer);
            _writer.Flush();
        }

        while (true)
        {
            var next = await _keys.ReadKeyAsync(cancellationToken);
            lock (_output.Gate)
            {
                if (next is not { } key)
                {
                    return End();
                }

                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        var line = _draft.ToString();
                        _draft.Clear();
                        // The entered line stays on screen as typed; the next prompt is drawn by the next read.
                        _writer.Write(ClearLine);
                        _writer.WriteLine(Prompt + line);
                        _writer.Flush();
                        return line;
                    case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control):
                        if (_draft.Length == 0)
                        {
                            return End();
                        }

                        break;
                    case ConsoleKey.U when key.Modifiers.HasFlag(ConsoleModifiers.Control):
                        _draft.Clear();
                        break;
                    case ConsoleKey.Backspace:
                        if (_draft.Length > 0)
                        {
                            _draft.Length--;
                        }

                        break;
                    default:
                        if (key.KeyChar == '\0' || char.IsControl(key.KeyChar))
                        {
                            continue;
                        }

                        _draft.Append(key.KeyChar);
                        typing?.Invoke();
                        break;
                }

                Clear(_writer);
                Redraw(_writer);
                _writer.Flush();
            }
        }
    }

    /// <summary>Stops owning the bottom line (printing goes back to plain lines).</summary>
    public void Detach()
    {
        lock (_output.Gate)
        {
            Clear(_writer);
            _writer.Flush();
        }

        _output.Keeper = null;
    }

    public void Clear(TextWriter writer) => writer.Write(ClearLine);

    public void Redraw(TextWriter writer) => writer.Write(Prompt + _draft);

    private string? End()
    {
        _writer.Write(ClearLine);
        _writer.Flush();
        return null;
    }
}
