using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace IrohSocial.IntegrationTests.Soak;

/// <summary>Parent side of the child node: start, SIGKILL, restart, and what it reported on stdout.</summary>
internal sealed class SoakChildProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly StringBuilder _errors = new();
    private Process? _process;
    private TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SoakChildProcess(Dictionary<string, string> environment) => _environment = environment;

    /// <summary>Every message content the child reported as received, in order, across all its runs.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    /// <summary>Contents reported durably queued, across runs.</summary>
    public ConcurrentQueue<string> Queued { get; } = new();

    public int Starts { get; private set; }

    public int Kills { get; private set; }

    /// <summary>Kills that hit the child before it had queued all its messages.</summary>
    public int KillsMidSend { get; private set; }

    public bool SentAll { get; private set; }

    /// <summary>The child queued its final messages (the statuses after this count them).</summary>
    public bool FinalSent { get; private set; }

    /// <summary>Last status line: outbox peer count and incoming counts per peer.</summary>
    public (int Outbox, Dictionary<string, int> Incoming)? Status { get; private set; }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>Starts the child; returns its DM port once it is listening.</summary>
    public async Task<int> StartAsync(CancellationToken cancellationToken)
    {
        _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        SentAll = false;
        FinalSent = false;
        Status = null;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(SoakChildProcess).Assembly.Location);
        foreach (var argument in SoakChildEntry.RunnerArguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[SoakChildEntry.Variable] = "1";
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["SOAK_RANDOM"] = (Starts + 17).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Starts++;
        using var registration = cancellationToken.Register(() => _ready.TrySetCanceled());
        var exited = process.WaitForExitAsync(cancellationToken);
        var first = await Task.WhenAny(_ready.Task, exited);
        if (first != _ready.Task)
        {
            throw new InvalidOperationException($"The soak child exited before it was ready: {Errors}");
        }

        return await _ready.Task;
    }

    /// <summary>SIGKILL: no cleanup, no flush, as a crash or power loss.</summary>
    public async Task KillAsync()
    {
        var process = _process!;
        var midSend = !SentAll;
        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync();
        Kills++;
        KillsMidSend += midSend ? 1 : 0;
    }

    public async Task SendAsync(string command)
    {
        await _process!.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_process is { HasExited: false } process)
        {
            await SendAsync("stop");
            await process.WaitForExitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        var space = line.IndexOf(' ');
        var verb = space < 0 ? line : line[..space];
        var rest = space < 0 ? "" : line[(space + 1)..];
        switch (verb)
        {
            case "ready":
                _ready.TrySetResult(int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case "queued":
                Queued.Enqueue(rest);
                break;
            case "recv":
                Received.Enqueue(rest);
                break;
            case "sent-all":
                SentAll = true;
                break;
            case "final-sent":
                // Only a status printed after the finals were queued says whether they were acknowledged.
                Status = null;
                FinalSent = true;
                break;
            case "status":
                var parts = rest.Split(' ');
                Status = (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                    parts.Skip(1).Select(p => p.Split('=')).ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)));
                break;
        }
    }
}
