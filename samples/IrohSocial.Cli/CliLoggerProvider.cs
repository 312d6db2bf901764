using Microsoft.Extensions.Logging;

namespace IrohSocial.Cli;

/// <summary>
/// <c>--verbose</c>: one plain line per log event on the tool's error writer. Hand-written because the console
/// logger writes to the process console, while tests run the tool in-process with their own writers.
/// </summary>
internal sealed class CliLoggerProvider(TextWriter writer) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private sealed class Logger(CliLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = logLevel switch
            {
                LogLevel.Trace => "trace",
                LogLevel.Debug => "debug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                _ => "error",
            };
            owner.Write($"[{level} {category}] {formatter(state, exception)}{(exception is null ? "" : $": {exception.Message}")}");
        }
    }
}
