using Microsoft.Extensions.Logging;

namespace IrohSocial.Messaging.Tests.Support;

/// <summary>Captures log entries (event id, level, formatted text) so tests can check that rejections are logged.</summary>
public sealed class LogCapture
{
    private readonly Lock _gate = new();
    private readonly List<(EventId Id, LogLevel Level, string Text)> _entries = [];

    public LogCapture() => Factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new Provider(this)));

    public ILoggerFactory Factory { get; }

    public IReadOnlyList<(EventId Id, LogLevel Level, string Text)> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToList();
            }
        }
    }

    public bool Has(int eventId, string? containing = null) =>
        Entries.Any(e => e.Id.Id == eventId && (containing is null || e.Text.Contains(containing, StringComparison.Ordinal)));

    private sealed class Provider(LogCapture capture) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(capture);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (capture._gate)
            {
                capture._entries.Add((eventId, logLevel, formatter(state, exception)));
            }
        }
    }
}
