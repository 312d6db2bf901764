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
        var log = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        await using var endpoint = await TestEndpoints.BindAsync(TransportProvider.Auto, o => o with { LoggerFactory = factory });
        var logs = log.Lines.Select(l => l.Text).ToArray();

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
}
