namespace IrohSocial.Transport.Tests;

/// <summary>
/// Counts the process's file descriptors around 1,000 connect/close cycles, so it runs alone: sockets that tests running
/// in parallel open and close in the meantime would land in the count (a fresh-clone CI run saw +15 that way).
/// </summary>
[Collection(nameof(RunsAloneCollection))]
public sealed class ConnectCloseCycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThousandConnectCloseCycles_LeaveNoSocketsOrConnectionsBehind()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await Cycle(20); // warm up pools and lazily created handles before counting
        var before = OpenFileDescriptors();

        await Cycle(1000);

        Assert.Equal(0, server.Context.Limiter.Total);
        var after = OpenFileDescriptors();
        Assert.True(after <= before + 8, $"file descriptors grew from {before} to {after}");

        async Task Cycle(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
                await c.DisposeAsync();
                await s.Closed.WaitAsync(Ct);
                await s.DisposeAsync();
            }
        }
    }

    private static int OpenFileDescriptors()
    {
        // Sockets are file descriptors on Linux; elsewhere fall back to the handle count.
        return Directory.Exists("/proc/self/fd")
            ? Directory.GetFiles("/proc/self/fd").Length
            : System.Diagnostics.Process.GetCurrentProcess().HandleCount;
    }
}
