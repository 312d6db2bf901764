using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IrohSocial.IntegrationTests.Calls.Support;

/// <summary>Collects log lines of the nodes in a test, printed to the test output when the test ends.</summary>
internal sealed class TestLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly long _start = TimeProvider.System.GetTimestamp();

    public ILoggerFactory Factory(string name) => LoggerFactory.Create(b => b.AddProvider(new Named(this, name)).SetMinimumLevel(LogLevel.Debug));

    public ILogger CreateLogger(string categoryName) => new Logger(this, "", categoryName);

    /// <summary>Whether a line containing <paramref name="text"/> was logged.</summary>
    public bool Contains(string text) => Count(text) > 0;

    /// <summary>How many logged lines contain <paramref name="text"/>.</summary>
    public int Count(string text) => _lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    public void Dump()
    {
        var output = TestContext.Current.TestOutputHelper;
        foreach (var line in _lines)
        {
            output?.WriteLine(line);
        }
    }

    public void Dispose()
    {
    }

    private sealed class Named(TestLog log, string name) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(log, name, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(TestLog log, string name, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log._lines.Enqueue($"{TimeProvider.System.GetElapsedTime(log._start).TotalMilliseconds,8:F0} {name} {logLevel} {category.Split('.')[^1]}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
    }
}
