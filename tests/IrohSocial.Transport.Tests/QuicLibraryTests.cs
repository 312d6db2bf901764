using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Transport.Tests;

public sealed class QuicLibraryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Version_WithMsquic_IsReported()
    {
        IrohSocial.Testing.TestTransport.RequireQuic();
        Assert.Matches(new Regex(@"^\d+\.\d+\.\d+$"), QuicLibrary.Version);
    }

    [Fact]
    public void Version_WithoutMsquic_IsNull()
    {
        Assert.SkipWhen(QuicLibrary.IsSupported, "msquic is available here");
        Assert.Null(QuicLibrary.Version);
    }

    [Fact]
    public void Load_MissingFile_ThrowsDllNotFound()
    {
        Assert.Throws<DllNotFoundException>(() => QuicLibrary.Load(Path.Combine(Path.GetTempPath(), $"no-msquic-{Guid.NewGuid():N}.so")));
        Assert.Throws<ArgumentException>(() => QuicLibrary.Load(""));
    }

    [Fact]
    public async Task Bind_WithMsQuicLibraryPathMissing_ThrowsDllNotFound()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-msquic-{Guid.NewGuid():N}.so");
        await Assert.ThrowsAsync<DllNotFoundException>(async () =>
            await TestEndpoints.BindAsync(TransportProvider.Auto, o => o with { MsQuicLibraryPath = missing }));
    }

    [Fact]
    public async Task Bind_LogsPathsAndMsquicVersion()
    {
        var logs = new ConcurrentQueue<string>();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new ListLoggerProvider(logs)));
        await using var endpoint = await TestEndpoints.BindAsync(TransportProvider.Auto, o => o with { LoggerFactory = factory });

        var bound = Assert.Single(logs, l => l.Contains("listening on", StringComparison.Ordinal));
        Assert.Contains($"tcp {endpoint.LocalEndPoint}", bound, StringComparison.Ordinal);
        if (QuicLibrary.IsSupported)
        {
            Assert.Contains($"quic {endpoint.LocalEndPoint}", bound, StringComparison.Ordinal);
            Assert.Contains(logs, l => l == $"QUIC uses msquic {QuicLibrary.Version}");
        }
        else
        {
            Assert.Contains("QUIC is not supported here", bound, StringComparison.Ordinal);
        }
    }

    private sealed class ListLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception));
    }
}
