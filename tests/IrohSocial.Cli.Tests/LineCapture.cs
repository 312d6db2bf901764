using System.Text;

namespace IrohSocial.Cli.Tests;

/// <summary>A TextWriter that keeps complete lines and lets a test wait for one (the CLI runs in-process).</summary>
internal sealed class LineCapture : TextWriter
{
    private readonly StringBuilder _partial = new();
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public string Text => string.Join('\n', Lines);

    /// <summary>Everything written so far, the unfinished line included.</summary>
    public string All
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', [.. _lines, _partial.ToString()]);
            }
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n')
            {
                _lines.Add(_partial.ToString().TrimEnd('\r'));
                _partial.Clear();
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else
            {
                _partial.Append(value);
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Waits until the line being written (not yet ended by a newline) matches, e.g. a prompt being typed into.</summary>
    public Task<string> WaitForPartialAsync(Func<string, bool> match, TimeSpan? timeout = null) => WaitAsync(match, timeout, partial: true);

    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null) => WaitAsync(match, timeout, partial: false);

    private async Task<string> WaitAsync(Func<string, bool> match, TimeSpan? timeout, bool partial)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var found = partial ? (match(_partial.ToString()) ? _partial.ToString() : null) : _lines.FirstOrDefault(match);
                if (found is not null)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching {(partial ? "partial line" : "line")}; output so far:\n{Text}\n(partial: {_partial})");
            }
        }
    }
}
