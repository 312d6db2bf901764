using Microsoft.Extensions.Logging;

namespace IrohSocial.Media.Tests.Video;

internal sealed class ListLogger : ILogger
{
    public List<(LogLevel Level, int EventId, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Add((logLevel, eventId.Id, formatter(state, exception)));
}
